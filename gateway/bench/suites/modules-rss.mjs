// RSS per loaded module: what importing each part of the gateway (and each heavy dependency)
// costs a fresh Node process, over a bare `node` — where the gateway's memory goes before any
// plugin runs — and the gateway process itself with 0 and 50 plugins. Each module is imported
// in its own process (so shared dependencies count in every row that loads them), then two
// garbage collections; RSS includes code, bytecode and V8's heap. `npm run bench -- --only modules-rss`.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { startGatewayProcess } from "../lib/gateway-process.mjs";
import { mib } from "../lib/format.mjs";
import { paths } from "../lib/paths.mjs";

const dist = (file) => pathToFileURL(path.join(paths.gateway, "dist", file)).href;

/** [label, import specifier] in the order a reader wants them: the whole, then its parts, then dependencies. */
const MODULES = [
  ["bare node (no import)", ""],
  ["ESM loader only (an empty module)", "data:text/javascript,export{}"],
  ["polyplug CLI entry (dist/cli/main.js; commands load on use)", dist("cli/main.js")],
  ["polyplug serve (dist/cli/serve.js)", dist("cli/serve.js")],
  ["public API (dist/index.js)", dist("index.js")],
  ["createGateway (dist/runtime/gateway.js)", dist("runtime/gateway.js")],
  ["host core (dist/host/start-plugin.js)", dist("host/start-plugin.js")],
  ["rpc/h2 transport", dist("rpc/h2/unary-transport.js")],
  ["public server (dist/surfaces/public-server.js)", dist("surfaces/public-server.js")],
  ["admin server + console (dist/admin/admin-server.js)", dist("admin/admin-server.js")],
  ["metrics (dist/metrics/gateway-metrics.js)", dist("metrics/gateway-metrics.js")],
  ["tracing (dist/tracing/start-tracing.js)", dist("tracing/start-tracing.js")],
  ["SQLite store (dist/store/sqlite-store.js)", dist("store/sqlite-store.js")],
  ["PostgreSQL store (dist/store/pg-store.js)", dist("store/pg-store.js")],
  ["cluster node (dist/runtime/cluster-node.js)", dist("runtime/cluster-node.js")],
  ["manifest (dist/registry/manifest.js)", dist("registry/manifest.js")],
  ["@grpc/grpc-js", "@grpc/grpc-js"],
  ["@connectrpc/connect-node", "@connectrpc/connect-node"],
  ["@bufbuild/protobuf", "@bufbuild/protobuf"],
  ["prom-client", "prom-client"],
  ["@opentelemetry/sdk-trace-base", "@opentelemetry/sdk-trace-base"],
  ["pg", "pg"],
  ["zod", "zod"],
  ["yaml", "yaml"],
  ["pino", "pino"],
];

// Imports `spec` (unless empty), collects garbage twice, prints RSS and heap used in bytes.
const PROBE = `const spec = process.argv[1];
if (spec) await import(spec);
globalThis.gc(); await new Promise((r) => setTimeout(r, 20)); globalThis.gc();
const m = process.memoryUsage();
console.log(JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed }));`;

/** RSS and heap of a fresh process that imported `spec` (stable to ~0.2 MiB run to run). */
function measure(spec) {
  const out = execFileSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", PROBE, spec], {
    cwd: paths.gateway,
    encoding: "utf8",
  });
  return JSON.parse(out.trim().split("\n").pop());
}

/** @param {number} count */
async function gatewayRss(count) {
  const child = await startGatewayProcess("gateway", count);
  try {
    return await child.rss();
  } finally {
    await child.stop();
  }
}

/** @param {ReturnType<import("../lib/workloads.mjs").workloads>} w @param {(msg: string) => void} log */
export async function run(_w, log) {
  const data = [];
  let bare = 0;
  for (const [label, spec] of MODULES) {
    log(`modules-rss: ${label}`);
    const { rss, heapUsed } = measure(spec);
    if (spec.startsWith("data:")) bare = rss; // every row pays the loader's start-up once; count from there
    data.push({ module: label, rss, heapUsed });
  }
  for (const d of data) d.overBare = d.rss - bare;
  const gateways = [];
  for (const plugins of [0, 50]) {
    log(`modules-rss: gateway with ${plugins} plugins`);
    gateways.push({ plugins, rss: await gatewayRss(plugins) });
  }
  return {
    title: "RSS per loaded module",
    note: "Each row is a fresh `node` that imported that one module (its whole dependency tree, so rows overlap), after two garbage collections. 'Over the loader' subtracts the second row (the ESM loader's own start-up, paid by the first import of anything). Last rows: the benchmark's gateway process (createGateway, SQLite, AutoMTLS off) with 0 and 50 scripted Go plugins, as in the Memory suite.",
    columns: ["Module", "RSS", "Over the loader", "JS heap used"],
    rows: [
      ...data.map((d) => [d.module, mib(d.rss), d.overBare <= 0 ? "—" : mib(d.overBare), mib(d.heapUsed)]),
      ...gateways.map((g) => [`gateway process, ${g.plugins} plugins`, mib(g.rss), mib(g.rss - bare), ""]),
    ],
    headlines: [],
    data: { modules: data, gateways },
  };
}
