// The static checks of issue #14, each one pass/fail line: lint (biome, warnings are errors),
// dependency rules and cycles (dependency-cruiser, .dependency-cruiser.cjs), dead code (knip,
// knip.jsonc). .ci/test-all.mjs counts them in its "static checks" suite; `npm run lint` runs
// them too (`node .ci/static-checks.mjs`, exit code 1 on any finding). The commands and their
// arguments live in package.json's scripts (lint:js, lint:format, lint:deps, lint:dead).
import { pathToFileURL } from "node:url";
import { run, step } from "./lib.mjs";

/** [name, command, args, options] in the shape of test-all.mjs's static checks. */
export const STATIC_CHECKS = [
  ["biome lint --error-on-warnings", "npm", ["run", "--silent", "lint:js"], {}],
  // An unformatted file fails; `npx biome format --write` fixes it.
  ["biome format (check)", "npm", ["run", "--silent", "lint:format"], {}],
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
  if (failed > 0) process.exit(1);
  done();
}
