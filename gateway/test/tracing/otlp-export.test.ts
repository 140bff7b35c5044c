// OpenTelemetry export (issue 18): with an OTLP endpoint configured, a call exports a server
// span (child of the caller's traceparent), a client span per chain step and per plugin call,
// and each plugin gets its step's traceparent so its own spans join the trace. Checked
// against a local OTLP/HTTP receiver. With tracing off, OpenTelemetry is never loaded.
import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import path from "node:path";
import { promisify } from "node:util";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGateway } from "../../src/runtime/gateway.js";
import { resolveTracesUrl } from "../../src/tracing/start-tracing.js";
import { fixturePaths } from "../paths.js";
import { dataDir } from "../runtime/scripted-plugins.js";

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: Array<{ key: string; value: Record<string, unknown> }>;
}

/** OTLP JSON ids are hex; base64 (protobuf JSON mapping) is accepted too. */
const hex = (id: string | undefined) =>
  id === undefined || id === "" ? "" : /^[0-9a-f]+$/.test(id) ? id : Buffer.from(id, "base64").toString("hex");

/** A tiny OTLP/HTTP receiver: collects the spans of every JSON export posted to /v1/traces. */
function startReceiver(): Promise<{ url: string; spans: OtlpSpan[]; server: Server }> {
  const spans: OtlpSpan[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      if (req.url === "/v1/traces" && String(req.headers["content-type"]).startsWith("application/json")) {
        const message = JSON.parse(body) as { resourceSpans?: Array<{ scopeSpans?: Array<{ spans?: OtlpSpan[] }> }> };
        for (const resource of message.resourceSpans ?? [])
          for (const scope of resource.scopeSpans ?? [])
            for (const span of scope.spans ?? [])
              spans.push({
                ...span,
                traceId: hex(span.traceId),
                spanId: hex(span.spanId),
                parentSpanId: hex(span.parentSpanId),
              });
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, spans, server }),
    ),
  );
}

/** A plugin folder running test/fixtures/trace-echo.mjs (copied in: a sandboxed plugin sees only its folder and its runtime). */
function traceEchoFolder(root: string, id: string): void {
  const dir = path.join(root, id);
  mkdirSync(dir, { recursive: true });
  copyFileSync(fixturePaths.nodeFixture("trace-echo.mjs"), path.join(dir, "plugin.mjs"));
  const manifest = {
    id,
    name: id,
    version: "1.0.0",
    command: ["node", "plugin.mjs"],
    env: { TRACE_PLUGIN_ID: id },
    hooks: { intercept: [{ topic: "trace.test" }], notify: [{ topic: "trace.test" }] },
  };
  writeFileSync(path.join(dir, "plugin.json"), JSON.stringify(manifest));
}

const CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN = "00f067aa0ba902b7";

let receiver: Awaited<ReturnType<typeof startReceiver>>;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => new Promise<void>((resolve) => receiver.server.close(() => resolve())));

describe("OpenTelemetry span export over OTLP/HTTP", () => {
  it("exports the gateway request, each chain step and each plugin call, and plugins get their step's traceparent", async () => {
    // Inside gateway/ (git-ignored .fixtures), so `@polyplug/sdk` resolves from an ancestor's node_modules.
    const fixtures = path.join(fixturePaths.gateway, "test", ".fixtures");
    mkdirSync(fixtures, { recursive: true });
    const root = mkdtempSync(path.join(fixtures, "trace-plugins-"));
    traceEchoFolder(root, "t.one");
    traceEchoFolder(root, "t.two");
    const gateway = await createGateway({
      pluginsDirs: [root],
      dataDir: dataDir(),
      port: 0,
      logger: pino({ level: "silent" }),
      tracing: { otlpEndpoint: receiver.url, serviceName: "polyplug-test" },
    });
    let seen: unknown;
    let commandTraceparent = "";
    try {
      expect(gateway.plugins().map((p) => [p.state, p.lastError?.message])).toEqual([
        ["active", undefined],
        ["active", undefined],
      ]);
      const verdict = await gateway.dispatcher.intercept(
        "trace.test",
        {},
        { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` },
      );
      seen = verdict.payload.seen;
      commandTraceparent = (await gateway.dispatcher.executeCommand("trace-tone", [], "/trace-tone")).text;
      gateway.dispatcher.notify("trace.test", {});
      await gateway.dispatcher.drained();
    } finally {
      await gateway.stop(); // flushes the batch
    }

    const byName = (name: string) => receiver.spans.filter((s) => s.name === name);
    const [server] = byName("polyplug.v1.Gateway/Intercept");
    expect(server).toMatchObject({ traceId: CALLER_TRACE, parentSpanId: CALLER_SPAN, kind: 2 });
    const steps = ["t.one", "t.two"].map((id) => byName(`intercept ${id}`)[0]);
    for (const step of steps)
      expect(step).toMatchObject({ traceId: CALLER_TRACE, parentSpanId: server?.spanId, kind: 3 });
    // Each plugin saw the traceparent of its own step span: its spans would nest under it.
    expect(seen).toEqual(steps.map((step) => `00-${CALLER_TRACE}-${step?.spanId}-01`));
    expect(steps[0]?.attributes).toContainEqual({ key: "polyplug.outcome", value: { stringValue: "modify" } });

    const [commandServer] = byName("polyplug.v1.Gateway/ExecuteCommand");
    const [commandCall] = byName("command t.one");
    expect(commandServer?.parentSpanId).toBe("");
    expect(commandCall).toMatchObject({ traceId: commandServer?.traceId, parentSpanId: commandServer?.spanId });
    expect(commandTraceparent).toBe(`00-${commandCall?.traceId}-${commandCall?.spanId}-01`);

    const [notifyServer] = byName("polyplug.v1.Gateway/Notify");
    for (const id of ["t.one", "t.two"])
      expect(byName(`notify ${id}`)[0]).toMatchObject({
        traceId: notifyServer?.traceId,
        parentSpanId: notifyServer?.spanId,
      });
  });

  it("takes the endpoint from the config or the standard environment variables; none means off", () => {
    expect(resolveTracesUrl(undefined, {})).toBeUndefined();
    expect(
      resolveTracesUrl(
        { otlpEndpoint: "http://collector:4318/" },
        { OTEL_EXPORTER_OTLP_ENDPOINT: "http://other:4318" },
      ),
    ).toBe("http://collector:4318/v1/traces");
    expect(resolveTracesUrl(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" })).toBe(
      "http://collector:4318/v1/traces",
    );
    expect(resolveTracesUrl(undefined, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://collector:4318/custom" })).toBe(
      "http://collector:4318/custom",
    );
  });

  it("never loads OpenTelemetry when tracing is off (and does when it is on)", async () => {
    // Inside gateway/ so that the script resolves pino like the gateway does (the folder is git-ignored).
    const fixtures = path.join(fixturePaths.gateway, "test", ".fixtures");
    mkdirSync(fixtures, { recursive: true });
    const dir = mkdtempSync(path.join(fixtures, "otel-lazy-"));
    writeFileSync(
      path.join(dir, "hooks.mjs"),
      'export async function resolve(specifier, context, next) { if (specifier.includes("@opentelemetry")) throw new Error("OpenTelemetry loaded: " + specifier); return next(specifier, context); }\n',
    );
    writeFileSync(
      path.join(dir, "register.mjs"),
      'import { register } from "node:module"; register(new URL("./hooks.mjs", import.meta.url));\n',
    );
    const gatewayModule = path.join(fixturePaths.gateway, "dist", "runtime", "gateway.js");
    writeFileSync(
      path.join(dir, "main.mjs"),
      `import { pino } from "pino";\nimport { createGateway } from ${JSON.stringify(gatewayModule)};\nconst gateway = await createGateway({ pluginsDirs: [], dataDir: ${JSON.stringify(path.join(dir, "data"))}, port: 0, logger: pino({ level: "silent" }) });\nawait gateway.dispatcher.intercept("x.y", {});\nawait gateway.stop();\nconsole.log("ok");\n`,
    );
    const run = (env: Record<string, string>) =>
      promisify(execFile)(process.execPath, ["--import", path.join(dir, "register.mjs"), path.join(dir, "main.mjs")], {
        cwd: fixturePaths.gateway,
        env: { PATH: process.env.PATH ?? "", ...env },
        timeout: 60_000,
      });
    expect((await run({})).stdout.trim()).toBe("ok");
    await expect(run({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url })).rejects.toThrow(/OpenTelemetry loaded/);
  });
});
