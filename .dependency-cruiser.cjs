// Dependency rules of the repository, checked in CI by `npx depcruise` (.ci/static-checks.mjs).
// The layering is drawn in README.md ("Layout"); keep the two in step.
const path = require("node:path");

// gateway/src folders from the top (entry points) down to the leaves. A folder may import a
// folder of a LOWER tier; never one of its own tier or a higher one (a shared type moves down
// instead). Derived from the imports as they are (design.md "Layers"), not aspiration:
// admin serves operations on a running Gateway, so it sits above runtime.
const TIERS = [
  ["cli"],
  ["check"], // `polyplug check`: runs a gateway (runtime) and the dev loop's builder
  ["admin", "devloop", "scaffold"], // admin serves the Admin API, the console and /metrics
  ["runtime"], // composes a gateway from everything below
  ["workers"], // (#17 multicore, provisional) workers own HTTP handling below runtime
  ["surfaces", "metrics", "cluster", "console"], // console: the web console's files and plugin UI listing
  ["dispatch"],
  ["supervision", "plugin-api"],
  ["host"],
  ["registry", "store", "rpc", "tracing"],
];
// Files directly in gateway/src (errors.ts, token-bucket.ts, node-flags.ts, young-generation-reclaim.ts) are below every folder.
// index.ts and entry/*.ts (the package's subpath exports) are its surface: they re-export from
// anywhere and nothing inside imports them.
const SURFACE = "^gateway/src/(index\\.ts|sdk/|entry/)";

// Known violations, each with its owner; remove the entry when the owner's branch merges.
// None now: the SDK's rpc ⇄ goplugin cycle of issue #14 is gone. An entry is
// { from: "<path regex>", to: "<path regex>" }.
/** @type {{ from: string; to: string }[]} */
const KNOWN = [];
const knownPaths = (side) => KNOWN.map((k) => k[side]);

const folder = (name) => `^gateway/src/${name}/`;
const layerRules = TIERS.flatMap((tier, index) => {
  const notBelow = TIERS.slice(0, index + 1).flat();
  return tier
    .filter(() => notBelow.length > 1)
    .map((name) => ({
      name: `layer-${name}`,
      comment: `gateway/src/${name} may import only lower tiers (see TIERS in .dependency-cruiser.cjs); a shared type moves down`,
      severity: "error",
      from: { path: folder(name), pathNot: [...knownPaths("from"), "\\.test\\.ts$"] },
      to: { path: notBelow.filter((other) => other !== name).map(folder), pathNot: knownPaths("to") },
    }));
});

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "No import cycles between files (type-only imports count: they couple the files all the same)",
      severity: "error",
      from: { pathNot: knownPaths("from") },
      to: { circular: true, pathNot: knownPaths("to") },
    },
    ...layerRules,
    {
      name: "layer-root-files",
      comment: "errors.ts and token-bucket.ts are the bottom of the gateway: they import no gateway folder",
      severity: "error",
      from: { path: "^gateway/src/[^/]+\\.ts$", pathNot: SURFACE },
      to: { path: "^gateway/src/[^/]+/" },
    },
    {
      name: "layer-unplaced-folder",
      comment: "every gateway/src folder has a tier in .dependency-cruiser.cjs (add a new folder to TIERS)",
      severity: "error",
      from: { path: "^gateway/src/[^/]+/", pathNot: [...TIERS.flat().map(folder), SURFACE, "^gateway/src/gen/"] },
      to: {},
    },
    {
      name: "layer-unplaced-folder-imported",
      comment: "every gateway/src folder has a tier in .dependency-cruiser.cjs (add a new folder to TIERS)",
      severity: "error",
      from: {},
      to: { path: "^gateway/src/[^/]+/", pathNot: [...TIERS.flat().map(folder), SURFACE, "^gateway/src/gen/"] },
    },
    {
      name: "nothing-imports-the-surface",
      comment: "gateway/src/index.ts and entry/ are what applications import; code inside imports the module itself",
      severity: "error",
      from: { path: "^gateway/src/", pathNot: SURFACE },
      to: { path: "^gateway/src/(index\\.ts$|entry/)" },
    },
    {
      name: "sdk-never-imports-the-gateway",
      comment: "@polyplug/sdk is a package of its own for plugin authors: no gateway runtime inside",
      severity: "error",
      from: { path: "^gateway/sdk/src/" },
      to: { path: ["^gateway/(src|dist|test)/", "^gateway/[^/]+\\.ts$", "^conformance/"] },
    },
    {
      name: "sdk-rpc-below-goplugin",
      comment:
        "in @polyplug/sdk the go-plugin core (goplugin/) uses the gRPC layer (rpc/), not the reverse (as gateway/src/host over gateway/src/rpc)",
      severity: "error",
      from: { path: "^gateway/sdk/src/rpc/", pathNot: knownPaths("from") },
      to: { path: "^gateway/sdk/src/goplugin/", pathNot: knownPaths("to") },
    },
    {
      name: "gateway-never-imports-conformance",
      comment:
        "polyplug-conformance depends on the gateway; `polyplug conformance` loads it by name (cli/conformance-cli-contract.ts)",
      severity: "error",
      from: { path: "^gateway/" },
      to: { path: "^conformance/" },
    },
    {
      name: "conformance-through-entry-points",
      comment:
        "conformance uses the gateway and the SDK as a plugin author would: package entry points (and the SDK's generated code, contract module and wire sizing), never their files",
      severity: "error",
      from: { path: "^conformance/" },
      to: {
        path: "^gateway/",
        pathNot: [
          "^gateway/dist/(index|entry/[^/]+)\\.(js|d\\.ts)$",
          "^gateway/sdk/(src|dist)/index\\.(ts|js|d\\.ts)$",
          "^gateway/sdk/(src|dist)/gen/",
          // The contract module and the wire sizing are shared by gateway, SDK and conformance (issue #14).
          "^gateway/sdk/(src|dist)/(contract|wire)/",
        ],
      },
    },
    {
      name: "code-never-imports-tests",
      comment: "production code does not import test files or test helpers",
      severity: "error",
      from: { path: "^(gateway/src|gateway/sdk/src|conformance/src)/", pathNot: "\\.test\\.ts$" },
      to: { path: ["\\.test\\.ts$", "^gateway/test/", "^conformance/test/"] },
    },
    {
      name: "unit-tests-stay-in-process",
      comment:
        "tests beside the code (*.test.ts under src/) are unit tests: no child processes and no integration fixtures; tests that start plugin processes, servers or browsers live in gateway/test/<area>/ (README, Testing)",
      severity: "error",
      from: { path: "^(gateway/src|gateway/sdk/src|conformance/src)/.+\\.test\\.ts$" },
      to: {
        path: [
          "^(node:)?child_process$",
          "(^|/)node_modules/(execa|playwright-core)/",
          "^gateway/test/fixtures/",
          "^gateway/test/.*harness",
        ],
      },
    },
  ],
  options: {
    // Generated code and build output are targets only: checked where they are imported, not read.
    doNotFollow: { path: ["(^|/)node_modules/", "(^|/)dist/", "(^|/)gen/"] },
    // Type-only imports are dependencies too (a type cycle is still a cycle).
    tsPreCompilationDeps: true,
    tsConfig: { fileName: path.join(__dirname, "gateway", "tsconfig.json") },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".js", ".mjs", ".d.ts"],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
