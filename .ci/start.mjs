// `npm start`: after setup has installed and built everything, runs the gateway with the
// example plugins of every language (Go, Python, TypeScript) on the embedded SQLite store.
// Extra arguments go to `polyplug serve` (e.g. `npm start -- --listen 127.0.0.1:9090`).
import { spawn } from "node:child_process";
import path from "node:path";
import { root } from "./lib.mjs";

const args = [
  path.join(root, "gateway", "bin", "polyplug.js"),
  "serve",
  "--plugins",
  path.join(root, "examples-go", "plugins"),
  path.join(root, "examples-python", "plugins"),
  path.join(root, "gateway", "examples"),
  "--data",
  path.join(root, ".polyplug"),
  "--python",
  path.join(root, ".venv", "bin", "python"),
  ...process.argv.slice(2),
];
const child = spawn(process.execPath, args, { stdio: "inherit" });
// Ctrl-C reaches the gateway twice (the terminal signals the whole foreground group, and this
// forwards its copy for the case where only this process was signalled); `polyplug serve`
// treats a second signal within 1 s as the same one, so the stop stays graceful.
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 130 : 1)));
