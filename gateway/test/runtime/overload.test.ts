// Issue #11's overload repro against a real gateway and the real Go word filter (fail-closed):
// 4000 concurrent Intercept streams on one HTTP/2 connection, 300 of them "forbidden". The
// stream cap and the in-flight limit shed the excess at once (429 + Retry-After) instead of
// queueing it into plugin deadline misses: every answer is typed, no forbidden message
// passes, no step fails, the plugin is not restarted; the metrics show what was shed.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import http2 from "node:http2";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createGateway, type Gateway } from "../../src/runtime/gateway.js";
import { parseExposition, sampleValue } from "../metrics/exposition.js";
import { fixturePaths } from "../paths.js";
import { dataDir } from "./scripted-plugins.js";

const WORDFILTER = "com.polyplug.example.wordfilter";
let gateway: Gateway;

/** A copy of the example Go word filter whose manifest says onFailure "closed". */
function closedWordfilter(): string {
  const plugins = mkdtempSync(path.join(tmpdir(), "polyplug-overload-"));
  const source = path.join(fixturePaths.examplesGo, "plugins", "wordfilter");
  const target = path.join(plugins, "wordfilter");
  mkdirSync(path.join(target, "bin"), { recursive: true });
  cpSync(path.join(source, "bin", "wordfilter"), path.join(target, "bin", "wordfilter"));
  const manifest = JSON.parse(readFileSync(path.join(source, "plugin.json"), "utf8")) as {
    hooks: { intercept: { onFailure: string }[] };
  };
  for (const hook of manifest.hooks.intercept) hook.onFailure = "closed";
  writeFileSync(path.join(target, "plugin.json"), JSON.stringify(manifest));
  return plugins;
}

beforeAll(async () => {
  gateway = await createGateway({
    pluginsDirs: [closedWordfilter()],
    dataDir: dataDir(),
    port: 0,
    logger: pino({ level: "silent" }),
    limits: { maxInFlight: 16, maxQueued: 32 },
  });
});
afterAll(() => gateway?.stop());

interface Answer {
  readonly status: number;
  readonly forbidden: boolean;
  readonly body: { allowed?: boolean; steps?: { outcome: string }[]; code?: string };
  readonly retryAfter: string | undefined;
}

it("4000 Intercept streams on one HTTP/2 connection: excess shed with 429, nothing forbidden passes, no deadline misses", async () => {
  const session = http2.connect(gateway.url);
  session.on("error", () => {});
  await new Promise((resolve) => session.once("remoteSettings", resolve));
  expect(session.remoteSettings.maxConcurrentStreams).toBe(100);
  const calls = Array.from({ length: 4000 }, (_, i) => {
    const forbidden = i % 13 === 0 && i / 13 < 300;
    const message = forbidden ? `this is forbidden #${i}` : `hello #${i}`;
    return new Promise<Answer>((resolve) => {
      const stream = session.request({
        ":method": "POST",
        ":path": "/polyplug.v1.Gateway/Intercept",
        "content-type": "application/json",
      });
      let head: http2.IncomingHttpHeaders = {};
      let text = "";
      stream.on("response", (headers) => (head = headers));
      stream.on("data", (chunk: Buffer) => (text += chunk.toString()));
      stream.on("error", () => {});
      stream.on("close", () =>
        resolve({
          status: Number(head[":status"] ?? 0),
          forbidden,
          body: text ? (JSON.parse(text) as Answer["body"]) : {},
          retryAfter: head["retry-after"] as string | undefined,
        }),
      );
      stream.end(JSON.stringify({ topic: "message.will_be_posted", payload: { message } }));
    });
  });
  const answers = await Promise.all(calls);
  session.close();

  const byStatus = new Map<number, number>();
  for (const answer of answers) byStatus.set(answer.status, (byStatus.get(answer.status) ?? 0) + 1);
  console.log(`4000 streams on one connection: ${JSON.stringify(Object.fromEntries(byStatus))} (status: count)`);
  expect([...byStatus.keys()].sort()).toEqual([200, 429]);
  const shed = answers.filter((a) => a.status === 429);
  expect(shed.every((a) => a.retryAfter === "1" && a.body.code === "resource_exhausted")).toBe(true);
  const answered = answers.filter((a) => a.status === 200);
  expect(answered.filter((a) => a.forbidden && a.body.allowed !== false)).toEqual([]);
  expect(answered.filter((a) => !a.forbidden && a.body.allowed !== true)).toEqual([]);
  // No chain step failed: nothing waited in the gateway until its plugin deadline.
  expect(answered.flatMap((a) => a.body.steps ?? []).filter((step) => /FAILED/.test(step.outcome))).toEqual([]);
  expect(gateway.plugin(WORDFILTER)).toMatchObject({ state: "active", restarts: 0 });

  const metrics = parseExposition(await gateway.metrics.render());
  expect(sampleValue(metrics, "polyplug_public_calls_shed_total", { reason: "queue_full" })).toBe(shed.length);
  expect(sampleValue(metrics, "polyplug_public_calls_in_flight")).toBe(0);
  expect(sampleValue(metrics, "polyplug_public_calls_queued")).toBe(0);
  expect(sampleValue(metrics, "polyplug_public_connections")).toBeGreaterThanOrEqual(0);
});
