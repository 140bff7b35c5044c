// Regenerates code from proto/ with buf (TypeScript, Go, Python). With --check, fails
// when the committed generated code differs from a fresh generation.
import { existsSync } from "node:fs";
import path from "node:path";
import { must, root, run, step } from "./lib.mjs";
import { setup } from "./setup.mjs";

if (
  !existsSync(path.join(root, ".tools", "bin", "protoc-gen-go")) ||
  !existsSync(path.join(root, ".venv", ".polyplug-stamp"))
)
  await setup();
step("buf generate");
await must("npx", ["buf", "generate"]);
if (process.argv.includes("--check")) {
  const generated = ["gateway/sdk/src/gen", "examples-go/gen", "examples-python/src/polyplug/gen"];
  const { code, out } = await run("git", ["status", "--porcelain", "--", ...generated], { capture: true });
  if (code !== 0 || out.trim() !== "") {
    process.stderr.write(`generated code is stale; run \`npm run generate\` and commit:\n${out}`);
    process.exit(1);
  }
  process.stderr.write("generated code is fresh\n");
}
