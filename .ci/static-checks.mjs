// The static checks of issue #14, each one pass/fail line: lint (biome, warnings are errors),
// dependency rules and cycles (dependency-cruiser, .dependency-cruiser.cjs), dead code (knip,
// knip.jsonc). .ci/test-all.mjs counts them in its "static checks" suite; `npm run lint` runs
// them too (`node .ci/static-checks.mjs`, exit code 1 on any finding). The commands and their
// arguments live in package.json's scripts (lint:js, lint:format, lint:deps, lint:dead).
import { pathToFileURL } from "node:url";
import { run, step } from "./lib.mjs";

// The tree was formatted once with `npx biome format --write` (issue #14); since then an
// unformatted file fails CI (`npx biome format --write` fixes it).
const FORMAT_CHECK_ENABLED = true;

/** [name, command, args, options] in the shape of test-all.mjs's static checks. */
export const STATIC_CHECKS = [
  ["biome lint --error-on-warnings", "npm", ["run", "--silent", "lint:js"], {}],
  ...(FORMAT_CHECK_ENABLED ? [["biome format (check)", "npm", ["run", "--silent", "lint:format"], {}]] : []),
  ["dependency-cruiser (layers, no cycles)", "npm", ["run", "--silent", "lint:deps"], {}],
  ["knip (unused files, exports, dependencies)", "npm", ["run", "--silent", "lint:dead"], {}],
];

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const done = step("Static checks (biome, dependency-cruiser, knip)");
  let failed = 0;
  for (const [name, command, args, options] of STATIC_CHECKS) {
    const { code } = await run(command, args, options).catch(() => ({ code: 1 }));
    process.stderr.write(code === 0 ? `  ✔ ${name}\n` : `  ✖ ${name} failed\n`);
    if (code !== 0) failed++;
  }
  if (!FORMAT_CHECK_ENABLED)
    process.stderr.write("  ▷ biome format (check): not enabled yet (after the one-time format)\n");
  if (failed > 0) process.exit(1);
  done();
}
