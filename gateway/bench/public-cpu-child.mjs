// A public-API server in its own process, for the public-cpu suite (CPU per request):
//   node public-cpu-child.mjs '{"kind":"bare"|"instant"}'
// "bare": a node:http server doing the least an Intercept endpoint can (read the body,
// JSON.parse, JSON.stringify an answer with content-length) — Node's floor on this machine.
// "instant": Polyplug's public server (startPublicServer, every limit at its default) with a
// dispatcher that answers at once — the surfaces layer without a plugin.
// With POLYPLUG_BENCH_DIST (an absolute path to another build of gateway/dist, placed inside
// gateway/ so its packages resolve) it loads that build instead, for A/B runs of two builds.
// Prints one JSON line {"url","pid"}, then answers stdin lines: "cpu" → {"cpuUs","userUs",
// "systemUs"}; "stop" → closes and exits. Same protocol as gateway-child.mjs.
import http from "node:http";
import path from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";

const { kind } = JSON.parse(process.argv[2] ?? "{}");
const print = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);
const dist = process.env.POLYPLUG_BENCH_DIST || path.join(import.meta.dirname, "..", "dist");

/** Node's floor: a keep-alive node:http server answering a small JSON body. */
async function startBare() {
  let next = 0;
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => {
      const request = JSON.parse(Buffer.concat(chunks).toString());
      const requestId = `r${++next}`;
      const body = JSON.stringify({
        allowed: true,
        payload: request.payload ?? {},
        modified: false,
        steps: [{ pluginId: "instant", outcome: "proceed", durationMs: 0 }],
        requestId,
      });
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** Polyplug's public server over a dispatcher that answers every Intercept at once. */
async function startInstant() {
  const { startPublicServer } = await import(pathToFileURL(path.join(dist, "entry", "internal.js")).href);
  let next = 0;
  const dispatcher = {
    intercept: async (_topic, payload, options) => ({
      requestId: options?.requestId ?? `r${++next}`,
      allowed: true,
      payload,
      modified: false,
      steps: [{ pluginId: "instant", outcome: "proceed", durationMs: 0 }],
    }),
    notify: (_topic, _payload, options) => ({
      requestId: options?.requestId ?? `r${++next}`,
      queuedFor: [],
      droppedFor: [],
    }),
    executeCommand: () => Promise.reject(new Error("no commands here")),
    openHttpStream: () => {
      throw new Error("no plugin routes here");
    },
  };
  const server = await startPublicServer({ port: 0, dispatcher });
  return { url: server.url, stop: () => server.close() };
}

const running = kind === "bare" ? await startBare() : await startInstant();
print({ url: running.url, pid: process.pid });
for await (const line of createInterface({ input: process.stdin })) {
  if (line === "cpu") {
    const { user, system } = process.cpuUsage();
    print({ cpuUs: user + system, userUs: user, systemUs: system });
  } else if (line === "stop") {
    await running.stop();
    print({ stopped: true });
    process.exit(0);
  }
}
