// A serving gateway loads what it does not use until asked (issue 17, memory): the ws package
// loads at the first WebSocket upgrade. Each case runs a real gateway (dist build, no plugins)
// in a child process, which reports whether ws is in its module cache; the first upgrade must
// work, and a ws that cannot load must answer 503 with the reason, not hang.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";

const gatewayDir = fileURLToPath(new URL("../../", import.meta.url));

const CHILD = `import { createRequire } from "node:module";
import { createInterface } from "node:readline";
const { pino } = await import("pino");
const { createGateway } = await import("./dist/runtime/gateway.js");
const [dir] = process.argv.slice(1);
const gateway = await createGateway({ pluginsDirs: [], dataDir: dir, port: 0, autoMtls: false, sandbox: { mode: "off" }, logger: pino({ level: "silent" }) });
const cache = createRequire(import.meta.url).cache;
const loaded = () => ({ ws: Object.keys(cache).some((file) => file.includes("/node_modules/ws/")) });
console.log(JSON.stringify({ url: gateway.url, ...loaded() }));
for await (const line of createInterface({ input: process.stdin })) {
  if (line === "loaded") console.log(JSON.stringify(loaded()));
  if (line === "stop") { await gateway.stop(); process.exit(0); }
}`;

/** Refuses to resolve `ws` in the child: what a broken installation looks like. */
const BREAK_WS = `import { register } from "node:module";
register("data:text/javascript," + encodeURIComponent('export async function resolve(s, c, n) { if (s === "ws") throw new Error("Cannot find package ws (test)"); return n(s, c); }'));`;

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

async function startChild(breakWs = false) {
  const dataDir = mkdtempSync(path.join(tmpdir(), "polyplug-lazy-surfaces-"));
  const child = spawn(
    process.execPath,
    [
      ...(breakWs ? ["--import", `data:text/javascript,${encodeURIComponent(BREAK_WS)}`] : []),
      "--input-type=module",
      "-e",
      CHILD,
      dataDir,
    ],
    { cwd: gatewayDir, stdio: ["pipe", "pipe", "inherit"] },
  );
  children.push(child);
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
  const next = async () => JSON.parse((await lines.next()).value as string) as { url?: string; ws: boolean };
  const ready = await next();
  return {
    url: ready.url as string,
    wsAtStart: ready.ws,
    loaded: async () => {
      child.stdin?.write("loaded\n");
      return next();
    },
    stop: async () => {
      child.stdin?.write("stop\n");
      await new Promise((resolve) => child.once("exit", resolve));
    },
  };
}

describe("lazily loaded surfaces", () => {
  it("ws loads at the first WebSocket upgrade, which works", async () => {
    const gateway = await startChild();
    expect(gateway.wsAtStart).toBe(false);
    const socket = new WebSocket(`${gateway.url.replace("http", "ws")}/v1/events?label.team=blue`);
    const hello = await new Promise<{ type: string; labels: Record<string, string> }>((resolve, reject) => {
      socket.once("message", (data) => resolve(JSON.parse(String(data))));
      socket.once("error", reject);
    });
    expect(hello).toMatchObject({ type: "hello", labels: { team: "blue" } });
    expect((await gateway.loaded()).ws).toBe(true);
    socket.close();
    await gateway.stop();
  }, 60_000);

  it("a ws package that cannot load answers the upgrade 503 with the reason, and the gateway keeps serving", async () => {
    const gateway = await startChild(true);
    const socket = new WebSocket(`${gateway.url.replace("http", "ws")}/v1/events`);
    const refused = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      socket.once("unexpected-response", (_req, res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => (body += chunk.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      socket.once("open", () => reject(new Error("the upgrade was accepted")));
    });
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body)).toMatchObject({ code: "resource_exhausted" });
    expect(refused.body).toContain("could not load its WebSocket support");
    expect(refused.body).toContain("Cannot find package ws (test)");
    const root = await fetch(`${gateway.url}/`);
    expect(root.status).toBe(200);
    await gateway.stop();
  }, 60_000);
});
