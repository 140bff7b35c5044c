#!/usr/bin/env node
// Thin launcher so `npx polyplug` works from the repository root after `npm run build`.
import { main } from "../dist/cli/main.js";

process.exitCode = await main(process.argv);
