import { lstat } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { dirname } from "node:path";
import { createRpcClient } from "polyplug";
import type { CheckFunction } from "../../check-context.js";
import { assert, assertEqual, fail, notApplicable } from "../../check-outcome.js";
import { Health, HealthCheckResponse_ServingStatus } from "@polyplug/sdk/internal/gen/grpc/health/v1/health_pb.js";
import { GRPCController } from "@polyplug/sdk/internal/gen/plugin/grpc_controller_pb.js";
import { rawClient, sleep, spawnUntilHandshake } from "../raw-connection.js";

/** Unix socket inside PLUGIN_UNIX_SOCKET_DIR, owned by us, not writable by group or others. */
export const unixSocket: CheckFunction = async (ctx) => {
  const { raw, handshake } = await spawnUntilHandshake(ctx);
  if (handshake.network !== "unix") {
    if (!ctx.features.features.has("tcp")) fail(`the plugin listens on ${handshake.network}; declare the "tcp" feature if that is intended`);
    notApplicable("the plugin listens on TCP");
  }
  assertEqual(dirname(handshake.address), raw.socketDir, "directory of the socket (PLUGIN_UNIX_SOCKET_DIR)");
  const info = await lstat(handshake.address).catch(() => fail(`no file at the announced socket path ${handshake.address}`));
  assert(info.isSocket(), `${handshake.address} is not a unix socket`);
  if (typeof process.getuid === "function") assertEqual(info.uid, process.getuid(), "socket owner uid");
  const mode = info.mode & 0o777;
  ctx.trace("socket mode", mode.toString(8));
  assert((mode & 0o022) === 0, `socket mode is ${mode.toString(8)}: group or others can connect (write bit set); only the plugin's user may (mode 0600 or 0700-style)`);
};

/** Socket file removed once the plugin stops after GRPCController.Shutdown. */
export const unixSocketRemoved: CheckFunction = async (ctx) => {
  const { raw, handshake } = await spawnUntilHandshake(ctx);
  if (handshake.network !== "unix") notApplicable("the plugin listens on TCP");
  const client = rawClient(ctx, handshake);
  await createRpcClient(GRPCController, client).shutdown({}, { deadline: 2000 }).catch(() => undefined);
  const exit = await raw.waitExit(3000);
  assert(exit, "the plugin did not exit within 3 s of GRPCController.Shutdown");
  const left = await lstat(handshake.address).catch(() => undefined);
  assert(!left, `the socket file ${handshake.address} is still there after the plugin exited; remove it when the listener closes`);
};

async function occupy(port: number): Promise<Server | undefined> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once("error", () => resolve(undefined));
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

async function freeRange(size: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 20000);
    const held: Server[] = [];
    let ok = true;
    for (let p = base; p < base + size; p++) {
      const s = await occupy(p);
      if (!s) {
        ok = false;
        break;
      }
      held.push(s);
    }
    await Promise.all(held.map((s) => new Promise((r) => s.close(r))));
    if (ok) return base;
  }
  fail("could not find a free port range for the test");
}

/** TCP: 127.0.0.1, first free port of PLUGIN_MIN_PORT..PLUGIN_MAX_PORT in ascending order. */
export const tcpPortRange: CheckFunction = async (ctx) => {
  const base = await freeRange(5);
  const blocker = await occupy(base);
  ctx.defer(() => blocker?.close());
  const { handshake } = await spawnUntilHandshake(ctx, { env: { PLUGIN_MIN_PORT: String(base), PLUGIN_MAX_PORT: String(base + 4) } });
  if (handshake.network !== "tcp") notApplicable("the plugin listens on a unix socket");
  ctx.trace("port range", { min: base, max: base + 4, occupiedByTheSuite: base });
  const match = /^127\.0\.0\.1:(\d+)$/.exec(handshake.address);
  assert(match, `TCP address must be 127.0.0.1:<port>, got ${handshake.address}`);
  const port = Number(match[1]);
  assert(port >= base && port <= base + 4, `port ${port} is outside PLUGIN_MIN_PORT..PLUGIN_MAX_PORT = ${base}..${base + 4}`);
  assertEqual(port, base + 1, `port (the first free one in ascending order; ${base} was taken)`);
  const status = await createRpcClient(Health, rawClient(ctx, handshake)).check({ service: "plugin" }, { deadline: 3000 });
  assertEqual(HealthCheckResponse_ServingStatus[status.status], "SERVING", "health over TCP");
  await sleep(0);
};
