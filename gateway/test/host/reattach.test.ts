// Reattaching to a go-plugin plugin that someone else started (e.g. in a debugger).
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ErrorCode } from "../../src/index.js";
import {
  parseHandshakeLine,
  parseReattachConfig,
  POLYPLUG_HANDSHAKE,
  reattachPlugin,
  type ReattachConfig,
} from "../../src/entry/host.js";
import { HostFixture } from "@polyplug/sdk/internal/gen/polyplug/hostfixture/v1/host_fixture_pb.js";
import { fixturePaths } from "../paths.js";

const started: Array<{ child: ChildProcess; dir: string }> = [];
afterEach(() => {
  for (const { child, dir } of started.splice(0)) {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Starts the fixture by hand, the way a developer would in a debugger, and returns its reattach config. */
async function startByHand(test: boolean): Promise<{ child: ChildProcess; config: ReattachConfig }> {
  const dir = mkdtempSync(path.join(tmpdir(), "reattach-"));
  const child = spawn(fixturePaths.goHostFixture, [], {
    env: {
      PATH: process.env.PATH,
      [POLYPLUG_HANDSHAKE.magicCookieKey]: POLYPLUG_HANDSHAKE.magicCookieValue,
      PLUGIN_PROTOCOL_VERSIONS: "1",
      PLUGIN_UNIX_SOCKET_DIR: dir,
    },
    stdio: ["ignore", "pipe", "ignore"],
  });
  started.push({ child, dir });
  const line = await new Promise<string>((resolve) =>
    child.stdout?.once("data", (chunk: Buffer) => resolve(chunk.toString())),
  );
  const handshake = parseHandshakeLine(line);
  const json = JSON.stringify({
    Protocol: "grpc",
    ProtocolVersion: 1,
    Pid: child.pid,
    Test: test,
    Addr: { Network: handshake.network, String: handshake.address },
  });
  return { child, config: parseReattachConfig(json) };
}

const alive = (pid: number | undefined) => {
  try {
    process.kill(pid ?? -1, 0);
    return true;
  } catch {
    return false;
  }
};

describe("reattachPlugin", () => {
  it("connects to a running plugin and, in test mode, leaves it running on shutdown", async () => {
    const { child, config } = await startByHand(true);
    const plugin = await reattachPlugin({ config });
    expect(await plugin.health()).toBe("SERVING");
    expect((await plugin.client(HostFixture).echo({ message: "again" })).message).toBe("v1:again");
    expect(await plugin.shutdown()).toBe("detached");
    expect(alive(child.pid)).toBe(true);
  });

  it("stops a reattached plugin it owns and notices the exit by polling", async () => {
    const { child, config } = await startByHand(false);
    const plugin = await reattachPlugin({ config });
    expect(await plugin.shutdown({ gracefulMs: 2000 })).toBe("graceful");
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(alive(child.pid)).toBe(false);
  });

  it("fails clearly for a pid that does not exist or an address that does not answer", async () => {
    const base = {
      protocol: "grpc",
      protocolVersion: 1,
      network: "unix",
      address: "/tmp/nothing-here.sock",
      test: true,
    } as const;
    await expect(reattachPlugin({ config: { ...base, pid: 2 ** 22 + 12345 } })).rejects.toMatchObject({
      code: ErrorCode.ReattachFailed,
      message: expect.stringMatching(/no process with pid/),
    });
    await expect(
      reattachPlugin({ config: { ...base, pid: process.pid }, connectTimeoutMs: 300 }),
    ).rejects.toMatchObject({ code: ErrorCode.ReattachFailed });
  });

  it("parses go-plugin's reattach JSON and rejects malformed ones", () => {
    expect(() => parseReattachConfig("{")).toThrow(/not valid JSON/);
    expect(() => parseReattachConfig('{"Protocol":"netrpc","Pid":1,"Addr":{"Network":"unix","String":"/x"}}')).toThrow(
      /Protocol must be "grpc"/,
    );
    expect(() => parseReattachConfig('{"Pid":1,"Addr":{"Network":"udp","String":"/x"}}')).toThrow(/Addr.Network/);
    expect(() => parseReattachConfig('{"Pid":0,"Addr":{"Network":"unix","String":"/x"}}')).toThrow(/Pid/);
  });
});
