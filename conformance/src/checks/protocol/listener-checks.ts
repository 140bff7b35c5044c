import { lstat, readFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { dirname } from "node:path";
import { createRpcClient } from "polyplug/host";
import type { CheckFunction } from "../../check-context.js";
import { assert, assertEqual, fail, notApplicable, show } from "../../check-outcome.js";
import { Health, HealthCheckResponse_ServingStatus } from "@polyplug/sdk/internal/gen/grpc/health/v1/health_pb.js";
import { GRPCController } from "@polyplug/sdk/internal/gen/plugin/grpc_controller_pb.js";
import { rawClient, sleep, spawnUntilHandshake } from "../raw-connection.js";

/** Unix socket inside PLUGIN_UNIX_SOCKET_DIR, owned by us, not writable by group or others. */
export const unixSocket: CheckFunction = async (ctx) => {
  const { raw, handshake } = await spawnUntilHandshake(ctx);
  if (handshake.network !== "unix") {
    if (!ctx.features.features.has("tcp"))
      fail(`the plugin listens on ${handshake.network}; declare the "tcp" feature if that is intended`);
    notApplicable("the plugin listens on TCP");
  }
  assertEqual(dirname(handshake.address), raw.socketDir, "directory of the socket (PLUGIN_UNIX_SOCKET_DIR)");
  const info = await lstat(handshake.address).catch(() =>
    fail(`no file at the announced socket path ${handshake.address}`),
  );
  assert(info.isSocket(), `${handshake.address} is not a unix socket`);
  if (typeof process.getuid === "function") assertEqual(info.uid, process.getuid(), "socket owner uid");
  const mode = info.mode & 0o777;
  ctx.trace("socket mode", mode.toString(8));
  assert(
    (mode & 0o022) === 0,
    `socket mode is ${mode.toString(8)}: group or others can connect (write bit set); only the plugin's user may (mode 0600 or 0700-style)`,
  );
};

/** Socket file removed once the plugin stops after GRPCController.Shutdown. */
export const unixSocketRemoved: CheckFunction = async (ctx) => {
  const { raw, handshake } = await spawnUntilHandshake(ctx);
  if (handshake.network !== "unix") notApplicable("the plugin listens on TCP");
  const client = rawClient(ctx, handshake);
  await createRpcClient(GRPCController, client)
    .shutdown({}, { deadline: 2000 })
    .catch(() => undefined);
  const exit = await raw.waitExit(3000);
  assert(exit, "the plugin did not exit within 3 s of GRPCController.Shutdown");
  const left = await lstat(handshake.address).catch(() => undefined);
  assert(
    !left,
    `the socket file ${handshake.address} is still there after the plugin exited; remove it when the listener closes`,
  );
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
  const { handshake } = await spawnUntilHandshake(ctx, {
    env: { PLUGIN_MIN_PORT: String(base), PLUGIN_MAX_PORT: String(base + 4) },
  });
  if (handshake.network !== "tcp") notApplicable("the plugin listens on a unix socket");
  ctx.trace("port range", { min: base, max: base + 4, occupiedByTheSuite: base });
  const match = /^127\.0\.0\.1:(\d+)$/.exec(handshake.address);
  assert(match, `TCP address must be 127.0.0.1:<port>, got ${handshake.address}`);
  const port = Number(match[1]);
  assert(
    port >= base && port <= base + 4,
    `port ${port} is outside PLUGIN_MIN_PORT..PLUGIN_MAX_PORT = ${base}..${base + 4}`,
  );
  assertEqual(port, base + 1, `port (the first free one in ascending order; ${base} was taken)`);
  const status = await createRpcClient(Health, rawClient(ctx, handshake)).check(
    { service: "plugin" },
    { deadline: 3000 },
  );
  assertEqual(HealthCheckResponse_ServingStatus[status.status], "SERVING", "health over TCP");
  await sleep(0);
};

/** A group the plugin's user may give its socket to: another group when we have one (root: any), else our own. */
async function socketGroup(): Promise<{ gid: number; name: string | undefined }> {
  const groups = (await readFile("/etc/group", "utf8").catch(() => ""))
    .split("\n")
    .map((line) => line.split(":"))
    .filter((fields) => fields.length >= 3 && /^[0-9]+$/.test(fields[2] ?? ""))
    .map((fields) => ({ name: fields[0], gid: Number(fields[2]) }));
  const own = typeof process.getegid === "function" ? process.getegid() : 0;
  const mine = typeof process.getgroups === "function" ? process.getgroups() : [];
  const isRoot = typeof process.geteuid === "function" && process.geteuid() === 0;
  const other = isRoot ? groups.find((g) => g.gid !== own)?.gid : mine.find((gid) => gid !== own);
  const gid = other ?? own;
  return { gid, name: groups.find((g) => g.gid === gid)?.name };
}

/** PLUGIN_UNIX_SOCKET_GROUP (a gid, or a group name with params.by = name): the socket gets that group and mode 0660. */
export const unixSocketGroup: CheckFunction = async (ctx) => {
  const group = await socketGroup();
  const byName = ctx.spec.params.by === "name";
  if (byName && group.name === undefined)
    notApplicable(`gid ${group.gid} has no name in /etc/group to test a group name with`);
  const value = byName ? String(group.name) : String(group.gid);
  const { raw, handshake } = await spawnUntilHandshake(ctx, { env: { PLUGIN_UNIX_SOCKET_GROUP: value } });
  if (handshake.network !== "unix") notApplicable("the plugin listens on TCP");
  assertEqual(dirname(handshake.address), raw.socketDir, "directory of the socket (PLUGIN_UNIX_SOCKET_DIR)");
  const info = await lstat(handshake.address).catch(() =>
    fail(`no file at the announced socket path ${handshake.address}`),
  );
  const mode = info.mode & 0o777;
  ctx.trace("socket", { PLUGIN_UNIX_SOCKET_GROUP: value, gid: info.gid, mode: mode.toString(8) });
  assertEqual(
    info.gid,
    group.gid,
    `group of the socket with PLUGIN_UNIX_SOCKET_GROUP=${value} (change the socket's group to it${byName ? "; the value is a group name here, look it up" : ""})`,
  );
  assert(
    mode === 0o660,
    `socket mode is ${mode.toString(8)} with PLUGIN_UNIX_SOCKET_GROUP set; it must be 660 so that the group, and only the group, can connect too (§2.4)`,
  );
};

/**
 * TCP start-up errors (§2.4): with PLUGIN_MIN_PORT above PLUGIN_MAX_PORT (params.range =
 * min-above-max), or every port of the range taken (occupied), a TCP plugin prints no
 * handshake, writes a message on stderr and exits non-zero. Not applicable to a plugin that
 * announces a unix socket (the port variables do not concern it).
 */
export const tcpStartupError: CheckFunction = async (ctx) => {
  const base = await freeRange(3);
  let env: Record<string, string>;
  let situation: string;
  if (ctx.spec.params.range === "min-above-max") {
    env = { PLUGIN_MIN_PORT: String(base + 2), PLUGIN_MAX_PORT: String(base) };
    situation = `PLUGIN_MIN_PORT=${base + 2} above PLUGIN_MAX_PORT=${base}`;
  } else {
    const held = await Promise.all([base, base + 1, base + 2].map(occupy));
    ctx.defer(() => {
      for (const server of held) server?.close();
    });
    assert(held.every(Boolean), `the suite could not occupy ports ${base}..${base + 2} for the test`);
    env = { PLUGIN_MIN_PORT: String(base), PLUGIN_MAX_PORT: String(base + 2) };
    situation = `every port of PLUGIN_MIN_PORT..PLUGIN_MAX_PORT = ${base}..${base + 2} taken`;
  }
  const raw = await ctx.raw({ env });
  const line = await raw.firstLine(ctx.settings.startTimeoutMs).catch(() => undefined);
  if (line !== undefined) {
    ctx.trace("handshake line", line);
    if (line.split("|")[2] === "unix")
      notApplicable("the plugin listens on a unix socket, where PLUGIN_MIN_PORT/PLUGIN_MAX_PORT do not apply");
    fail(
      `with ${situation} the plugin still started (handshake ${show(line)}); that is a start-up error: a message on stderr, a non-zero exit and no handshake line (§2.4)`,
    );
  }
  const exit = await raw.waitExit(5000);
  ctx.trace("exit", { exit, stderr: raw.stderr().slice(-500) });
  if (!exit)
    fail(
      `with ${situation} the plugin printed no handshake line within ${ctx.settings.startTimeoutMs} ms and did not exit either; it must exit non-zero with a message on stderr`,
    );
  assert(exit.code !== 0, `with ${situation} the plugin exited with status 0; a start-up error exits non-zero`);
  assert(
    raw.stderr().trim() !== "",
    `with ${situation} the plugin exited (${show(exit)}) without a word on stderr; say what was wrong`,
  );
};
