import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ErrorCode, PolyplugError } from "../errors.js";
import { checkAppProtocolVersion, formatHandshakeLine, parseHandshakeLine } from "./handshake.js";

const certB64 = Buffer.alloc(120, 7).toString("base64").replace(/=+$/, "");

describe("parseHandshakeLine", () => {
  it.each([
    [
      "go plugin, no TLS (six fields, trailing |)",
      "1|1|unix|/tmp/plugin123|grpc|",
      { network: "unix", address: "/tmp/plugin123", cert: false },
    ],
    [
      "python example (five fields)",
      "1|3|tcp|127.0.0.1:1234|grpc",
      { network: "tcp", address: "127.0.0.1:1234", cert: false },
    ],
    ["CRLF line end", "1|1|unix|/tmp/p|grpc|\r\n", { network: "unix", address: "/tmp/p", cert: false }],
    [
      "short junk in field 6 is ignored",
      "1|1|unix|/tmp/p|grpc|junk",
      { network: "unix", address: "/tmp/p", cert: false },
    ],
    ["with certificate", `1|1|unix|/tmp/p|grpc|${certB64}`, { network: "unix", address: "/tmp/p", cert: true }],
    ["with mux field", "1|1|unix|/tmp/p|grpc||true", { network: "unix", address: "/tmp/p", cert: false }],
  ])("accepts %s", (_name, line, expected) => {
    const parsed = parseHandshakeLine(line);
    expect(parsed.coreProtocolVersion).toBe(1);
    expect(parsed.network).toBe(expected.network);
    expect(parsed.address).toBe(expected.address);
    expect(parsed.protocol).toBe("grpc");
    expect(parsed.serverCertDer !== undefined).toBe(expected.cert);
  });

  it.each([
    ["garbage", "hello world", ErrorCode.HandshakeInvalid, /hello world/],
    ["empty line", "", ErrorCode.HandshakeInvalid, /empty/],
    ["three fields", "1|1|unix", ErrorCode.HandshakeInvalid, /at least 4/],
    ["non-integer core", "x|1|unix|/tmp/p|grpc|", ErrorCode.HandshakeInvalid, /core protocol version "x"/],
    ["core version 2", "2|1|unix|/tmp/p|grpc|", ErrorCode.IncompatibleVersion, /speaks 2/],
    ["non-integer app", "1|v1|unix|/tmp/p|grpc|", ErrorCode.HandshakeInvalid, /app protocol version "v1"/],
    ["unknown network", "1|1|udp|/tmp/p|grpc|", ErrorCode.HandshakeInvalid, /unknown network "udp"/],
    ["relative socket", "1|1|unix|plugin.sock|grpc|", ErrorCode.HandshakeInvalid, /absolute path/],
    ["tcp without port", "1|1|tcp|127.0.0.1|grpc|", ErrorCode.HandshakeInvalid, /host:port/],
    ["netrpc", "1|1|unix|/tmp/p|netrpc|", ErrorCode.UnsupportedProtocol, /only the gRPC flavour/],
    ["missing protocol means netrpc", "1|1|unix|/tmp/p", ErrorCode.UnsupportedProtocol, /netrpc/],
    ["bad base64 cert", `1|1|unix|/tmp/p|grpc|${"!".repeat(60)}`, ErrorCode.HandshakeInvalid, /base64/],
    ["bad mux bool", "1|1|unix|/tmp/p|grpc||maybe", ErrorCode.HandshakeInvalid, /boolean/],
    ["too many fields", "1|1|unix|/tmp/p|grpc||true|x", ErrorCode.HandshakeInvalid, /at most 7/],
  ])("rejects %s with a clear error", (_name, line, code, message) => {
    let caught: unknown;
    try {
      parseHandshakeLine(line);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PolyplugError);
    expect((caught as PolyplugError).code).toBe(code);
    expect((caught as PolyplugError).message).toMatch(message);
  });

  it("round-trips every well-formed line (property)", () => {
    const line = fc.record({
      app: fc.integer({ min: 0, max: 99999 }),
      network: fc.constantFrom("unix" as const, "tcp" as const),
      path: fc.stringMatching(/^\/[a-zA-Z0-9_./-]{1,80}$/),
      port: fc.integer({ min: 1, max: 65535 }),
      cert: fc.option(fc.uint8Array({ minLength: 40, maxLength: 400 }), { nil: undefined }),
      six: fc.boolean(),
    });
    fc.assert(
      fc.property(line, ({ app, network, path, port, cert, six }) => {
        const address = network === "unix" ? path : `127.0.0.1:${port}`;
        const certField = cert ? Buffer.from(cert).toString("base64").replace(/=+$/, "") : "";
        const text = `1|${app}|${network}|${address}|grpc${six || cert ? `|${certField}` : ""}\n`;
        const parsed = parseHandshakeLine(text);
        expect(parsed.appProtocolVersion).toBe(app);
        expect(parsed.network).toBe(network);
        expect(parsed.address).toBe(address);
        if (cert) expect(Buffer.from(parsed.serverCertDer ?? []).equals(Buffer.from(cert))).toBe(true);
      }),
    );
  });

  it("throws only PolyplugError, never anything else, on arbitrary input (property)", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc
            .array(fc.constantFrom("1", "|", "unix", "tcp", "grpc", "/x", "127.0.0.1:9", "", "9"))
            .map((a) => a.join("")),
        ),
        (text) => {
          try {
            parseHandshakeLine(text);
          } catch (error) {
            expect(error).toBeInstanceOf(PolyplugError);
            expect(Object.values(ErrorCode)).toContain((error as PolyplugError).code);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe("formatHandshakeLine", () => {
  it("writes what parseHandshakeLine reads back (property)", () => {
    const fields = fc.record({
      appProtocolVersion: fc.integer({ min: 0, max: 999_999_999 }),
      network: fc.constantFrom("unix" as const, "tcp" as const),
      path: fc.stringMatching(/^\/[a-zA-Z0-9._/-]{0,80}$/),
      port: fc.integer({ min: 1, max: 65535 }),
      cert: fc.option(fc.uint8Array({ minLength: 40, maxLength: 400 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(fields, ({ appProtocolVersion, network, path, port, cert }) => {
        const address = network === "unix" ? path : `127.0.0.1:${port}`;
        const serverCertField = cert ? Buffer.from(cert).toString("base64").replace(/=+$/, "") : undefined;
        const parsed = parseHandshakeLine(
          formatHandshakeLine({ appProtocolVersion, network, address, serverCertField }),
        );
        expect(parsed).toMatchObject({
          coreProtocolVersion: 1,
          appProtocolVersion,
          network,
          address,
          protocol: "grpc",
          multiplex: undefined,
        });
        expect(parsed.serverCertDer === undefined ? undefined : Buffer.from(parsed.serverCertDer)).toEqual(
          cert ? Buffer.from(cert) : undefined,
        );
      }),
    );
  });
});

describe("checkAppProtocolVersion", () => {
  it("accepts a version the host offered and names both sides otherwise", () => {
    const parsed = parseHandshakeLine("1|3|unix|/tmp/p|grpc|");
    expect(() => checkAppProtocolVersion(parsed, [1, 3])).not.toThrow();
    expect(() => checkAppProtocolVersion(parsed, [1, 2])).toThrow(/plugin chose 3, this host offered \[1, 2\]/);
  });
});
