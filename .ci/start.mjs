// `npm start`: after setup has installed and built everything, shows the gateway at work.
// Until `polyplug serve` lands (the gateway runtime), it probes every example plugin
// through the real host core and prints what to try next.
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { root, run } from "./lib.mjs";

const cli = path.join(root, "gateway", "bin", "polyplug.js");
const candidates = [];
const goBin = path.join(root, "examples-go", "bin");
for (const name of existsSync(goBin) ? readdirSync(goBin) : []) candidates.push({ label: `Go ${name}`, command: [path.join(goBin, name)] });
const pyPlugins = path.join(root, "examples-python", "plugins");
for (const name of existsSync(pyPlugins) ? readdirSync(pyPlugins) : []) {
  const entry = path.join(pyPlugins, name, "plugin.py");
  if (existsSync(entry)) candidates.push({ label: `Python ${name}`, command: [path.join(root, ".venv", "bin", "python"), entry] });
}

process.stdout.write(`Polyplug — probing ${candidates.length} plugin(s) through the TypeScript go-plugin host\n\n`);
for (const { label, command } of candidates) {
  process.stdout.write(`── ${label}\n`);
  await run(process.execPath, [cli, "probe", "--", ...command]);
}
process.stdout.write(`
Next:
  npx polyplug probe --help                       all probe options
  npx polyplug probe --automtls -- ${path.relative(root, path.join(goBin, "hostfixture"))}   the same with AutoMTLS
  npm test                                        every test suite (TypeScript, Go, Python, conformance)
`);
