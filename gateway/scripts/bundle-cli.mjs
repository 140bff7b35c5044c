// Bundles the `polyplug` CLI into dist/cli-bundle/: one ESM file for what `polyplug serve`
// needs up to its first answer, plus chunks loaded on demand (each other command, pino-pretty,
// the PostgreSQL store and cluster node…). Loading one file instead of ~1,000 modules is
// most of Node's start-up time (issue 17, gateway/bench/PROFILE.md "Gateway start → first
// answer"). Input is the tsc output in dist/ (run after `tsc -p tsconfig.build.json`);
// bin/polyplug.js runs the bundle only while it is at least as new as that output.
//   node scripts/bundle-cli.mjs [--metafile FILE]
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const gateway = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** The bundle's folder: two levels under gateway/ like every dist/<folder>/ module, so paths relative to a module (../../package.json, ../../src/console/web) resolve the same. */
export const BUNDLE_DIR = path.join(gateway, "dist", "cli-bundle");

// Left to Node's resolver: native addons (found next to their .node files), optional
// packages that may be absent, and the conformance suite (imported by a computed name).
const EXTERNAL = ["better-sqlite3", "pg-native", "bufferutil", "utf-8-validate", "polyplug-conformance"];

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

// A dynamic import() of a CommonJS package becomes a chunk with only a default export under
// code splitting, where Node gives its named exports too: the SDK's `await
// import("@peculiar/x509")` (AutoMTLS) gets the package's ES module build instead.
const esmBuilds = {
  name: "esm-builds",
  setup(b) {
    b.onResolve({ filter: /^@peculiar\/x509$/ }, (args) => {
      const main = createRequire(path.join(args.resolveDir, "index.js")).resolve(args.path);
      return { path: path.join(path.dirname(main), "x509.es.js") };
    });
  },
};

// Chunks that are a CommonJS module behind a dynamic import() expose only `default` (esbuild
// #3245): allowed where the importer uses only that, or never runs here.
const DEFAULT_ONLY_OK = [
  /node_modules\/pino-pretty\//, // `const { default: pretty } = await import("pino-pretty")`
  /node_modules\/reflect-metadata\//, // imported for its side effect (the Reflect polyfill)
  /node_modules\/@opentelemetry\/resources\/.*getMachineId-/, // host detectors: the gateway uses none
];

/** Fails the build on a default-only CommonJS chunk that is not known to be used by `default` alone. */
function checkDefaultOnlyChunks(metafile) {
  for (const [file, output] of Object.entries(metafile.outputs)) {
    if (!/export default require_\w+\(\);?\s*$/.test(readFileSync(path.join(gateway, file), "utf8"))) continue;
    const inputs = Object.keys(output.inputs);
    if (!inputs.some((input) => DEFAULT_ONLY_OK.some((ok) => ok.test(input))))
      throw new Error(
        `${file} gives only a default export to a dynamic import() of CommonJS (${inputs.join(", ")}): import it statically, or resolve it to an ES module build (see esmBuilds)`,
      );
  }
}

/** Builds the bundle; resolves with esbuild's metafile. */
export async function bundleCli() {
  rmSync(BUNDLE_DIR, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: gateway,
    entryPoints: { polyplug: "dist/cli/run.js" },
    outdir: BUNDLE_DIR,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    external: EXTERNAL,
    plugins: [sdkVersion, esmBuilds],
    // CommonJS dependencies call require() for Node's built-ins: give ESM output one.
    banner: {
      js: 'import { createRequire as __polyplugRequire } from "node:module"; const require = __polyplugRequire(import.meta.url);',
    },
    chunkNames: "chunk-[hash]",
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: "linked",
    metafile: true,
    logLevel: "warning",
  });
  checkDefaultOnlyChunks(result.metafile);
  return result.metafile;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const metafile = await bundleCli();
  const at = process.argv.indexOf("--metafile");
  if (at > 0) writeFileSync(process.argv[at + 1], JSON.stringify(metafile));
}
