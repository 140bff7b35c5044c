import { ErrorCode, PolyplugError } from "../errors.js";
import type { PluginNetwork } from "../rpc/endpoint.js";

/** go-plugin's core protocol version; the only one that exists. */
export const CORE_PROTOCOL_VERSION = 1;

export type { PluginNetwork } from "../rpc/endpoint.js";

/** A handshake line taken apart. */
export interface HandshakeLine {
  readonly coreProtocolVersion: number;
  readonly appProtocolVersion: number;
  readonly network: PluginNetwork;
  /** Absolute socket path (unix) or `host:port` (tcp). */
  readonly address: string;
  readonly protocol: "grpc";
  /** DER bytes of the plugin's AutoMTLS server certificate, when field 6 carries one. */
  readonly serverCertDer: Uint8Array | undefined;
  /** Field 7, present only when the host asked for broker multiplexing. */
  readonly multiplex: boolean | undefined;
}

// go-plugin skips field 6 unless it is longer than this (old plugins put short junk there).
const MIN_CERT_FIELD_LENGTH = 51;
const QUOTE_LIMIT = 300;
const rawStdBase64 = /^[A-Za-z0-9+/]+={0,2}$/;
const decimal = /^[0-9]{1,9}$/;

/** Quotes an untrusted line for an error message: JSON-escaped and bounded. */
export function quoteLine(line: string): string {
  const shown = line.length > QUOTE_LIMIT ? `${line.slice(0, QUOTE_LIMIT)}…` : line;
  return JSON.stringify(shown);
}

function invalid(line: string, why: string): PolyplugError {
  return new PolyplugError(
    ErrorCode.HandshakeInvalid,
    `unrecognized handshake line from plugin: ${why}. The line was ${quoteLine(line)}. ` +
      "A go-plugin plugin must print `1|APP_VERSION|unix|/path|grpc|` (or tcp and host:port) as its first stdout line, and nothing before it.",
    { details: { line: line.slice(0, QUOTE_LIMIT) } },
  );
}

// Go's strconv.ParseBool, which go-plugin uses for field 7.
function parseGoBool(value: string): boolean | undefined {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(value)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(value)) return false;
  return undefined;
}

function parseAddress(line: string, network: PluginNetwork, address: string): string {
  if (network === "unix") {
    if (!address.startsWith("/"))
      throw invalid(line, `unix socket address ${JSON.stringify(address)} is not an absolute path`);
    return address;
  }
  const match = /^(.+):([0-9]{1,5})$/.exec(address);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port < 1 || port > 65535)
    throw invalid(line, `tcp address ${JSON.stringify(address)} is not host:port`);
  return address;
}

function parseCert(line: string, field: string): Uint8Array | undefined {
  if (field.length < MIN_CERT_FIELD_LENGTH) return undefined;
  if (!rawStdBase64.test(field)) throw invalid(line, "field 6 (server certificate) is not standard base64");
  return new Uint8Array(Buffer.from(field, "base64"));
}

/**
 * Parses a go-plugin handshake line strictly:
 * `CORE|APP|NETWORK|ADDRESS|PROTOCOL[|SERVER_CERT[|MULTIPLEX]]`.
 * Throws `handshake_invalid` for malformed lines (quoting them), `incompatible_version`
 * for a core version other than 1, and `unsupported_protocol` for netrpc.
 */
export function parseHandshakeLine(rawLine: string): HandshakeLine {
  const line = rawLine.replace(/\r?\n$/, "").trim();
  if (line === "") throw invalid(rawLine, "the line is empty");
  const fields = line.split("|");
  if (fields.length < 4)
    throw invalid(line, `it has ${fields.length} field(s) separated by "|", at least 4 are needed`);
  if (fields.length > 7) throw invalid(line, `it has ${fields.length} fields, at most 7 are defined`);
  const [core = "", app = "", network = "", address = "", protocol = "netrpc", cert = "", mux] = fields;

  if (!decimal.test(core)) throw invalid(line, `core protocol version ${JSON.stringify(core)} is not an integer`);
  const coreProtocolVersion = Number(core);
  if (coreProtocolVersion !== CORE_PROTOCOL_VERSION) {
    throw new PolyplugError(
      ErrorCode.IncompatibleVersion,
      `incompatible core protocol version: the plugin speaks ${coreProtocolVersion}, this host speaks ${CORE_PROTOCOL_VERSION}; rebuild the plugin with a current go-plugin or SDK`,
      { details: { pluginCoreVersion: coreProtocolVersion } },
    );
  }
  if (!decimal.test(app)) throw invalid(line, `app protocol version ${JSON.stringify(app)} is not an integer`);
  if (network !== "unix" && network !== "tcp")
    throw invalid(line, `unknown network ${JSON.stringify(network)} (expected unix or tcp)`);
  const parsedAddress = parseAddress(line, network, address);
  if (protocol !== "grpc") {
    const hint =
      protocol === "netrpc"
        ? " Polyplug speaks only the gRPC flavour of go-plugin; serve the plugin with GRPCServer."
        : "";
    throw new PolyplugError(
      ErrorCode.UnsupportedProtocol,
      `unsupported plugin protocol ${JSON.stringify(protocol)}; supported: ["grpc"].${hint}`,
      {
        details: { protocol },
      },
    );
  }
  let multiplex: boolean | undefined;
  if (mux !== undefined) {
    multiplex = parseGoBool(mux);
    if (multiplex === undefined) throw invalid(line, `field 7 (multiplexing) ${JSON.stringify(mux)} is not a boolean`);
  }
  return {
    coreProtocolVersion,
    appProtocolVersion: Number(app),
    network,
    address: parsedAddress,
    protocol: "grpc",
    serverCertDer: parseCert(line, cert),
    multiplex,
  };
}

/**
 * The plugin's handshake line (what `parseHandshakeLine` reads), without the newline:
 * `1|APP|NETWORK|ADDRESS|grpc|SERVER_CERT`, field 6 empty without AutoMTLS. The one writer
 * of the format, next to its reader.
 */
export function formatHandshakeLine(fields: {
  readonly appProtocolVersion: number;
  readonly network: PluginNetwork;
  readonly address: string;
  readonly serverCertField?: string | undefined;
}): string {
  return `${CORE_PROTOCOL_VERSION}|${fields.appProtocolVersion}|${fields.network}|${fields.address}|grpc|${fields.serverCertField ?? ""}`;
}

/**
 * Checks the app protocol version the plugin chose against the versions this host
 * offered; throws `incompatible_version` naming both sides when it is not one of them.
 */
export function checkAppProtocolVersion(handshake: HandshakeLine, offered: readonly number[]): void {
  if (offered.includes(handshake.appProtocolVersion)) return;
  throw new PolyplugError(
    ErrorCode.IncompatibleVersion,
    `incompatible app protocol version: the plugin chose ${handshake.appProtocolVersion}, this host offered [${offered.join(", ")}]. ` +
      "The plugin and the host have no version in common; upgrade whichever is older.",
    { details: { pluginVersion: handshake.appProtocolVersion, offered: [...offered] } },
  );
}
