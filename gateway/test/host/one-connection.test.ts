// A plugin needs one connection from the host (issue 17, memory and activation): hooks, health,
// Shutdown AND go-plugin's broker and stdio streams share it, on either plugin transport, with
// or without AutoMTLS. Counted from the kernel's side: every connection the plugin accepted on
// its listen socket is a connected entry with that path in /proc/net/unix.
import { readFileSync } from "node:fs";
import type * as grpc from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { HostCallback, HostFixture } from "@polyplug/sdk/internal/gen/polyplug/hostfixture/v1/host_fixture_pb.js";
import { addRpcService, startPlugin, type PluginClient } from "../../src/entry/host.js";
import { PLUGIN_TRANSPORTS } from "../../src/rpc/plugin-transport.js";
import { captureLogs, eventually } from "../log-capture.js";
import { fixturePaths } from "../paths.js";

const running: PluginClient[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((plugin) => plugin.shutdown({ gracefulMs: 500, terminateMs: 500 })));
});

/** Connected unix sockets whose path is `address` (the plugin's accepted connections; the listener is not connected). */
function acceptedConnections(address: string): number {
  const SS_CONNECTED = "03";
  return readFileSync("/proc/net/unix", "utf8")
    .split("\n")
    .filter((line) => {
      const fields = line.trim().split(/\s+/);
      return fields[7] === address && fields[5] === SS_CONNECTED;
    }).length;
}

function addGreeter(server: grpc.Server): void {
  addRpcService(server, HostCallback, { greet: (request) => ({ greeting: `hello, ${request.name}` }) });
}

describe.each(
  PLUGIN_TRANSPORTS.flatMap((transport) => [false, true].map((autoMtls) => [transport, autoMtls] as const)),
)("one connection per plugin (%s transport, AutoMTLS %s)", (pluginTransport, autoMtls) => {
  it.runIf(process.platform === "linux")(
    "carries hooks, health, the broker and stdio streams and Shutdown on the plugin's one connection",
    async () => {
      const { logger, records } = captureLogs();
      const plugin = await startPlugin({
        command: fixturePaths.goHostFixture,
        startTimeoutMs: 20_000,
        autoMtls,
        pluginTransport,
        logger,
      });
      running.push(plugin);
      expect(plugin.handshake.network).toBe("unix");
      expect(await plugin.health()).toBe("SERVING");
      // The broker stream in use both ways: the host offers a server, the plugin dials it.
      const id = plugin.broker.nextId();
      await plugin.broker.acceptAndServe(id, addGreeter);
      expect((await plugin.client(HostFixture).callHost({ brokerId: id, name: "Ada" })).greeting).toBe("hello, Ada");
      // The stdio stream in use.
      await plugin.client(HostFixture).write({ stdout: "over stdio\n", stderr: "", logLevel: "", logMessage: "" });
      await eventually(
        () => records.some((r) => r.msg === "over stdio" && r.source === "grpc-stdout"),
        5000,
        "stdio line",
      );
      expect(acceptedConnections(plugin.handshake.address)).toBe(1);
      running.pop();
      expect(await plugin.shutdown()).toBe("graceful");
    },
    60_000,
  );
});
