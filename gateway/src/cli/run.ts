// The `polyplug` command: runs the CLI on this process's arguments. bin/polyplug.js loads
// this module, or its bundled copy in dist/cli-bundle/ (scripts/bundle-cli.mjs).
import { main } from "./main.js";

process.exitCode = await main(process.argv);
// The command is done: a handle left open (a connection still retrying) must not keep the
// process alive. The timer is unref'd, so a clean exit is not delayed by it.
setTimeout(() => process.exit(), 1000).unref();
