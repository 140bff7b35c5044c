// Bundles the `polyplug` CLI into dist/cli-bundle/polyplug.cjs: the whole CLI in one file
// (each command's code and the rest of what loads on demand stay unevaluated until used),
// which Node loads far faster than the ~1,000 modules of dist/ (issue 17,
// gateway/bench/PROFILE.md "Gateway start → first answer"). CommonJS because bin/polyplug.js
// compiles it through vm.Script with V8's code cache, which Node 20 offers for scripts only;
// this script writes that cache too, by running a `polyplug serve` start once. Input is the tsc
// output in dist/ (run after `tsc -p tsconfig.build.json`); bin/polyplug.js runs the bundle
// only while it is at least as new as that output.
//   node scripts/bundle-cli.mjs [--metafile FILE]
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const gateway = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** Two levels under gateway/ like every dist/<folder>/ module, so paths relative to a module (../../package.json, ../../src/console/web) resolve the same. */
const BUNDLE_DIR = path.join(gateway, "dist", "cli-bundle");

// Left to Node's resolver: native addons (found next to their .node files), optional
// packages that may be absent, and the conformance suite (imported by a computed name).
const EXTERNAL = ["better-sqlite3", "pg-native", "bufferutil", "utf-8-validate", "polyplug-conformance"];

// src/cli/run.ts without its top-level await, which CommonJS cannot have.
const ENTRY = `import { main } from "./dist/cli/main.js";
main(process.argv).then((code) => {
  process.exitCode = code;
  setTimeout(() => process.exit(), 1000).unref();
});`;

// The SDK reads its version from ../package.json relative to its own module, which the
// bundle is not next to: the version is written into the bundle at build time instead.
const sdkVersion = {
  name: "sdk-version",
  setup(b) {
    b.onLoad({ filter: /[/\\]sdk[/\\]dist[/\\]version\.js$/ }, (args) => {
      const pkg = JSON.parse(readFileSync(path.join(path.dirname(args.path), "..", "package.json"), "utf8"));
      const source = readFileSync(args.path, "utf8").replace(
        /export const SDK_VERSION\b[^;]*;/,
        `export const SDK_VERSION = ${JSON.stringify(pkg.version)};`,
      );
      if (!source.includes(JSON.stringify(pkg.version))) throw new Error(`${args.path}: SDK_VERSION not found`);
      return { contents: source, loader: "js" };
    });
  },
};

// import() inside a vm.Script needs a callback that Node 20 only offers as experimental (and
// warns about): the bundle has none. Built-ins and bundled modules become require() calls
// (supported: dynamic-import false); the one ES module loaded at run time by a computed name,
// the conformance suite, is imported by bin/polyplug.js's function, __polyplugImport.
const runtimeImports = {
  name: "runtime-imports",
  setup(b) {
    b.onLoad({ filter: /[/\\]dist[/\\]cli[/\\]conformance\.js$/ }, (args) => {
      const source = readFileSync(args.path, "utf8");
      if (!source.includes("await import(name)")) throw new Error(`${args.path}: \`await import(name)\` not found`);
      return { contents: source.replace("await import(name)", "await __polyplugImport(name)"), loader: "js" };
    });
  },
};

/** Builds the bundle and its code cache; resolves with esbuild's metafile. */
export async function bundleCli() {
  rmSync(BUNDLE_DIR, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: gateway,
    stdin: { contents: ENTRY, resolveDir: gateway, sourcefile: "polyplug-cli.js", loader: "js" },
    outfile: path.join(BUNDLE_DIR, "polyplug.cjs"),
    bundle: true,
    format: "cjs",
    platform: "node",
    target: "node20",
    external: EXTERNAL,
    plugins: [sdkVersion, runtimeImports],
    supported: { "dynamic-import": false },
    // Modules that locate files next to themselves (import.meta.url) get the bundle's URL.
    define: { "import.meta.url": "__polyplugBundleUrl" },
    banner: { js: 'var __polyplugBundleUrl = require("node:url").pathToFileURL(__filename).href;' },
    charset: "ascii", // bin/polyplug.js reads the bundle as latin1
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: "linked",
    metafile: true,
    logLevel: "warning",
  });
  // bin/polyplug.js reads the bundle as latin1, which is only the same text while it is ASCII.
  const bundleFile = path.join(BUNDLE_DIR, "polyplug.cjs");
  const nonAscii = readFileSync(bundleFile).findIndex((byte) => byte > 0x7f);
  if (nonAscii >= 0)
    throw new Error(`${bundleFile}: byte ${nonAscii} is not ASCII (bin/polyplug.js reads it as latin1)`);
  await writeCodeCache();
  return result.metafile;
}

/**
 * The first run without a cache writes it (bin/polyplug.js): a `serve` start on a plugins
 * folder with one stand-in plugin (Node, exiting at once), stopped once its banner shows, so
 * the cache holds what a start runs — the code loaded while the plugins boot too (public
 * server, GatewayAPI, Admin API: issue 17, row 4; CPU to the first answer ~10% lower than with
 * `serve --help`'s cache, which left them to be compiled at every start), and the plugin
 * connection's code, which a start loads only once a plugin is spawned. Falls back to
 * `serve --help` when that start fails.
 */
async function writeCodeCache() {
  const bin = path.join(gateway, "bin", "polyplug.js");
  const env = { ...process.env, POLYPLUG_BUNDLE: "1" };
  const scratch = mkdtempSync(path.join(tmpdir(), "polyplug-code-cache-"));
  try {
    const standIn = path.join(scratch, "plugins", "code-cache.stand-in");
    mkdirSync(standIn, { recursive: true });
    writeFileSync(
      path.join(standIn, "plugin.json"),
      JSON.stringify({
        id: "code-cache.stand-in",
        name: "Code cache stand-in",
        version: "0.0.1",
        command: [process.execPath, "-e", "process.exit(0)"],
      }),
    );
    const child = spawn(
      process.execPath,
      [
        bin,
        "serve",
        ...["--plugins", path.join(scratch, "plugins"), "--data", path.join(scratch, "data")],
        ...["--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--sandbox", "off", "--log-level", "error"],
      ],
      { env, stdio: ["ignore", "ignore", "pipe"] },
    );
    const exited = new Promise((resolve) => child.once("close", resolve));
    let stderr = "";
    const banner = new Promise((resolve) => {
      child.stderr.on("data", (chunk) => {
        stderr += chunk;
        if (stderr.includes("listening on")) resolve(true);
      });
      child.once("close", () => resolve(false));
      setTimeout(() => resolve(false), 60_000).unref();
    });
    const served = await banner;
    child.kill(served ? "SIGTERM" : "SIGKILL");
    if (served && (await exited) === 0) return;
    await exited;
    console.warn(
      `bundle-cli: the code cache's serve start failed, writing it from \`serve --help\`:\n${stderr.slice(-2000)}`,
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  rmSync(`${path.join(BUNDLE_DIR, "polyplug.cjs")}.v8cache`, { force: true });
  execFileSync(process.execPath, [bin, "serve", "--help"], { env, stdio: "ignore" });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const metafile = await bundleCli();
  const at = process.argv.indexOf("--metafile");
  if (at > 0) writeFileSync(process.argv[at + 1], JSON.stringify(metafile));
}
