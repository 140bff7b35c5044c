// Both unary transports (rpc/h2 and the node:http2 fallback) against real plugin servers: grpc-go
// (the Go conformance plugin, built by setup) and Python grpcio (C-core, which Huffman-codes its
// headers), started through go-plugin's handshake.
import { existsSync } from "node:fs";
import path from "node:path";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { afterEach, describe, expect, it } from "vitest";
import { MAX_MESSAGE_BYTES } from "@polyplug/sdk/internal/goplugin/channel.js";
import {
  InterceptRequestSchema,
  InterceptResponseSchema,
  Plugin,
  type InterceptResponse,
} from "@polyplug/sdk/internal/gen/polyplug/v1/plugin_pb.js";
import { startPlugin, type PluginClient } from "../../src/entry/host.js";
import { PLUGIN_TRANSPORTS, type PluginTransport } from "../../src/rpc/plugin-transport.js";
import { createPluginUnaryTransport } from "../../src/rpc/plugin-unary-transport.js";
import type { UnaryTransport } from "@polyplug/sdk/internal/rpc/unary-transport.js";
import { fixturePaths } from "../paths.js";

const venvPython = path.join(fixturePaths.repo, ".venv", "bin", "python");
const PLUGINS = [
  ["grpc-go", path.join(fixturePaths.repo, "conformance", "plugins", "go", "bin", "conformance"), []],
  [
    "Python grpcio",
    existsSync(venvPython) ? venvPython : "python3",
    [path.join(fixturePaths.repo, "conformance", "plugins", "python", "plugin.py")],
  ],
] as const;
const CASES = PLUGIN_TRANSPORTS.flatMap((transport) =>
  PLUGINS.map(([name, command, args]) => [transport, name, command, args] as const),
);
const INTERCEPT = "/polyplug.v1.Plugin/Intercept";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(
  command: string,
  args: readonly string[],
  autoMtls = false,
  pluginTransport?: PluginTransport,
): Promise<PluginClient> {
  const plugin = await startPlugin({
    command,
    args,
    autoMtls,
    startTimeoutMs: 30_000,
    ...(pluginTransport ? { pluginTransport } : {}),
  });
  cleanups.push(() => plugin.shutdown({ gracefulMs: 1000, terminateMs: 1000 }));
  return plugin;
}

function transportTo(plugin: PluginClient, kind: PluginTransport): UnaryTransport {
  const transport = createPluginUnaryTransport(kind, {
    listen: { network: plugin.handshake.network, address: plugin.handshake.address },
    tls: undefined,
    maxMessageBytes: MAX_MESSAGE_BYTES,
  });
  cleanups.push(() => transport.close());
  return transport;
}

async function intercept(
  transport: UnaryTransport,
  topic: string,
  payload: Record<string, string | number>,
): Promise<InterceptResponse> {
  const request = toBinary(InterceptRequestSchema, create(InterceptRequestSchema, { topic, payload }));
  return fromBinary(InterceptResponseSchema, await transport.unary(INTERCEPT, request, { deadline: 20_000 }));
}

describe.each(CASES)("%s transport against the %s conformance plugin", (kind, _name, command, args) => {
  it("answers calls, carries 4 MiB both ways, and multiplexes 500 concurrent calls", async () => {
    const transport = transportTo(await start(command, args), kind);
    expect((await intercept(transport, "conformance.echo", { a: 1 })).outcome.case).toBe("proceed");
    const big = "y".repeat(4 * 1024 * 1024);
    const modified = await intercept(transport, "conformance.modify", { big });
    expect(modified.outcome.case).toBe("modify");
    expect(modified.outcome.case === "modify" ? modified.outcome.value.payload?.big : undefined).toBe(big);
    const grown = await intercept(transport, "conformance.grow", { bytes: 4 * 1024 * 1024 });
    expect(grown.outcome.case === "modify" ? String(grown.outcome.value.payload?.data).length : 0).toBe(
      4 * 1024 * 1024,
    );
    const answers = await Promise.all(
      Array.from({ length: 500 }, (_, i) => intercept(transport, "conformance.modify", { i })),
    );
    expect(
      answers.map((answer) => (answer.outcome.case === "modify" ? answer.outcome.value.payload?.i : undefined)),
    ).toEqual(Array.from({ length: 500 }, (_, i) => i));
  });

  it("answers through the plugin client with AutoMTLS (TLS + ALPN h2)", async () => {
    const plugin = await start(command, args, true, kind);
    const answer = await plugin
      .client(Plugin)
      .intercept({ topic: "conformance.modify", payload: { x: "tls" } }, { deadline: 20_000 });
    expect(answer.outcome.case === "modify" ? answer.outcome.value.payload?.x : undefined).toBe("tls");
  });

  it("fails calls in flight with UNAVAILABLE when the plugin dies, and again while it is gone", async () => {
    const plugin = await start(command, args);
    const transport = transportTo(plugin, kind);
    expect((await intercept(transport, "conformance.echo", {})).outcome.case).toBe("proceed");
    const slow = intercept(transport, "conformance.sleep", { ms: 10_000 }).catch((reason: unknown) => reason);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await plugin.shutdown({ gracefulMs: 0, terminateMs: 100 });
    expect(await slow).toMatchObject({ code: 14, details: expect.stringContaining(plugin.handshake.address) });
    expect(await intercept(transport, "conformance.echo", {}).catch((reason: unknown) => reason)).toMatchObject({
      code: 14,
    });
  });
});
