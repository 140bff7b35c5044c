// startPlugin's unary transport choice (option, $POLYPLUG_PLUGIN_TRANSPORT) against the Go
// conformance plugin: the node:http2 fallback is really the one carrying the hook calls.
import http2 from "node:http2";
import path from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Plugin } from "@polyplug/sdk/internal/gen/polyplug/v1/plugin_pb.js";
import { ErrorCode } from "../../src/errors.js";
import { startPlugin, type StartPluginOptions } from "../../src/entry/host.js";
import { PLUGIN_TRANSPORT_ENV } from "../../src/rpc/plugin-transport.js";
import { createGateway } from "../../src/runtime/gateway.js";
import { fixturePaths } from "../paths.js";
import { dataDir, scriptedPluginsDir } from "../runtime/scripted-plugins.js";

const GO_PLUGIN = path.join(fixturePaths.repo, "conformance", "plugins", "go", "bin", "conformance");

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** True when one of `connect`'s calls opened a session of the node:http2 fallback (grpc-js, for the broker and stdio streams, connects through node:http2 too; only the fallback sets peerMaxConcurrentStreams). */
function fallbackConnected(connect: { mock: { calls: ReadonlyArray<readonly unknown[]> } }): boolean {
  return connect.mock.calls.some(
    ([, sessionOptions]) =>
      typeof sessionOptions === "object" && sessionOptions !== null && "peerMaxConcurrentStreams" in sessionOptions,
  );
}

/** Starts the plugin, makes a few hook calls and a health check, and says whether node:http2 connected. */
async function callsThroughNodeHttp2(options: Partial<StartPluginOptions>): Promise<boolean> {
  const connect = vi.spyOn(http2, "connect");
  const plugin = await startPlugin({ command: GO_PLUGIN, startTimeoutMs: 30_000, ...options });
  cleanups.push(() => plugin.shutdown({ gracefulMs: 1000, terminateMs: 1000 }));
  const answers = await Promise.all(
    [1, 2, 3].map((i) =>
      plugin.client(Plugin).intercept({ topic: "conformance.modify", payload: { i } }, { deadline: 20_000 }),
    ),
  );
  expect(
    answers.map((answer) => (answer.outcome.case === "modify" ? answer.outcome.value.payload?.i : undefined)),
  ).toEqual([1, 2, 3]);
  expect(await plugin.health()).toBe("SERVING");
  const used = fallbackConnected(connect);
  connect.mockRestore();
  return used;
}

describe("startPlugin's unary transport", () => {
  it("is rpc/h2 by default", async () => {
    vi.stubEnv(PLUGIN_TRANSPORT_ENV, "");
    expect(await callsThroughNodeHttp2({})).toBe(false);
  });

  it("is node:http2 when the option says node-http2, with or without AutoMTLS", async () => {
    expect(await callsThroughNodeHttp2({ pluginTransport: "node-http2" })).toBe(true);
    expect(await callsThroughNodeHttp2({ pluginTransport: "node-http2", autoMtls: true })).toBe(true);
  });

  it("follows $POLYPLUG_PLUGIN_TRANSPORT when no option is given, and the option wins", async () => {
    vi.stubEnv(PLUGIN_TRANSPORT_ENV, "node-http2");
    expect(await callsThroughNodeHttp2({})).toBe(true);
    expect(await callsThroughNodeHttp2({ pluginTransport: "h2" })).toBe(false);
  });

  it("refuses to start with an unknown $POLYPLUG_PLUGIN_TRANSPORT, naming it", async () => {
    vi.stubEnv(PLUGIN_TRANSPORT_ENV, "quic");
    await expect(startPlugin({ command: GO_PLUGIN })).rejects.toMatchObject({
      code: ErrorCode.InvalidArgument,
      message: expect.stringContaining(`${PLUGIN_TRANSPORT_ENV} must be h2 or node-http2`),
    });
  });

  it("is the gateway's pluginTransport for every plugin it supervises (serve config key)", async () => {
    vi.stubEnv(PLUGIN_TRANSPORT_ENV, "");
    const connect = vi.spyOn(http2, "connect");
    const gateway = await createGateway({
      pluginsDirs: [
        scriptedPluginsDir([
          { id: "p.a", priority: 10 },
          { id: "p.b", priority: 20 },
        ]),
      ],
      dataDir: dataDir(),
      port: 0,
      logger: pino({ level: "silent" }),
      pluginTransport: "node-http2",
    });
    cleanups.push(() => gateway.stop());
    const verdict = await gateway.dispatcher.intercept("test.chain", {
      text: "hi",
      script: { "p.a": "modify", "p.b": "modify" },
    });
    expect(verdict.payload.trail).toEqual(["p.a", "p.b"]);
    expect(fallbackConnected(connect)).toBe(true);
  });
});
