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
import { GATEWAY_BUILTINS as BUILTINS } from "../lib/node-floor.mjs";
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

/** Dependencies priced in context: each one's RSS over a process that loaded all the others. */
const IN_CONTEXT = [
  "@grpc/grpc-js",
  "@connectrpc/connect-node",
  "@bufbuild/protobuf",
  "prom-client",
  "zod",
  "yaml",
  "pino",
  "ws",
  "execa",
  "better-sqlite3",
];

// Imports each space-separated spec in argv[1] (none when empty), collects garbage twice, prints RSS and heap used in bytes.
const PROBE = `for (const spec of (process.argv[1] ?? "").split(" ").filter(Boolean)) await import(spec);
globalThis.gc(); await new Promise((r) => setTimeout(r, 20)); globalThis.gc();
const m = process.memoryUsage();
console.log(JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed }));`;

/** RSS and heap of a fresh process that imported `spec` (stable to ~0.2 MiB run to run). @param {string} spec @param {string[]} [nodeArgs] */
function measure(spec, nodeArgs = []) {
  const out = execFileSync(process.execPath, ["--expose-gc", ...nodeArgs, "--input-type=module", "-e", PROBE, spec], {
    cwd: paths.gateway,
    encoding: "utf8",
  });
  return JSON.parse(out.trim().split("\n").pop());
}

/**
 * What each of IN_CONTEXT costs where the gateway loads it: the median RSS of a process that
 * imported the built-ins and all of them, minus the median without that one (3 runs each). The
 * young generation is pinned at its initial size (--max-semi-space-size=1): it grows to 32 MiB
 * while any large graph loads, which would otherwise land on whichever row loads first.
 */
function inContext() {
  const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
  const rssOf = (specs) => {
    const runs = [0, 1, 2].map(() =>
      measure([...BUILTINS.map((b) => `node:${b}`), ...specs].join(" "), ["--max-semi-space-size=1"]),
    );
    return { rss: median(runs.map((r) => r.rss)), heapUsed: median(runs.map((r) => r.heapUsed)) };
  };
  const all = rssOf(IN_CONTEXT);
  return IN_CONTEXT.map((dep) => {
    const without = rssOf(IN_CONTEXT.filter((other) => other !== dep));
    return { module: dep, rss: all.rss - without.rss, heapUsed: all.heapUsed - without.heapUsed };
  });
}

/** @param {number} count @param {"default" | "small"} [memoryProfile] */
async function gatewayRss(count, memoryProfile = "default") {
  const child = await startGatewayProcess("gateway", count, [], { memoryProfile });
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
  log("modules-rss: dependencies in context");
  const priced = inContext();
  const gateways = [];
  for (const plugins of [0, 50]) {
    for (const memoryProfile of /** @type {const} */ (["default", "small"])) {
      log(`modules-rss: gateway with ${plugins} plugins, memory profile ${memoryProfile}`);
      gateways.push({ plugins, memoryProfile, rss: await gatewayRss(plugins, memoryProfile) });
    }
  }
  return {
    title: "RSS per loaded module",
    note: "Each row is a fresh `node` that imported that one module (its whole dependency tree, so rows overlap), after two garbage collections. 'Over the loader' subtracts the second row (the ESM loader's own start-up, paid by the first import of anything). Rows 'in context': what each dependency adds to a process that already loaded the Node built-ins the gateway uses and every other dependency listed (median of 3 runs each, young generation pinned at its initial size): the marginal cost, which the standalone rows overstate. Last rows: the benchmark's gateway process (createGateway, SQLite, AutoMTLS off) with 0 and 50 scripted Go plugins and each memory profile, as in the Memory suite.",
    columns: ["Module", "RSS", "Over the loader", "JS heap used"],
    rows: [
      ...data.map((d) => [d.module, mib(d.rss), d.overBare <= 0 ? "—" : mib(d.overBare), mib(d.heapUsed)]),
      ...priced.map((d) => [`${d.module}, in context (over all the others)`, "", mib(d.rss), mib(d.heapUsed)]),
      ...gateways.map((g) => [
        `gateway process, ${g.plugins} plugins, memory profile ${g.memoryProfile}`,
        mib(g.rss),
        mib(g.rss - bare),
        "",
      ]),
    ],
    headlines: [],
    data: { modules: data, inContext: priced, gateways },
  };
}
