#!/usr/bin/env node
// Thin launcher so `npx polyplug` works from the repository root after `npm run build`.
import { main } from "../dist/cli/main.js";

process.exitCode = await main(process.argv);
// The command is done: a handle left open (a connection still retrying) must not keep the
// process alive. The timer is unref'd, so a clean exit is not delayed by it.
setTimeout(() => process.exit(), 1000).unref();
