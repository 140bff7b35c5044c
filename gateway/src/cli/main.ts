import { Command, CommanderError } from "commander";
import { processIo, type CliIo } from "./io.js";
import { registerBundle } from "./bundle.js";
import { registerCheck } from "./check.js";
import { registerConformance } from "./conformance.js";
import { registerDev } from "./dev.js";
import { registerKeys } from "./keys.js";
import { registerNew } from "./new.js";
import { registerProbe } from "./probe.js";
import { registerPlugin } from "./plugin.js";
import { registerServe } from "./serve.js";
import { registerStatus } from "./status.js";
import { GATEWAY_VERSION } from "../runtime/version.js";

/** Exit code for a command line the CLI cannot understand. */
export const EXIT_USAGE = 2;

/**
 * Runs the `polyplug` CLI with `argv` (as in process.argv) and resolves with the exit
 * code: 0 success, 1 the operation failed, 2 bad usage.
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let exitCode = 0;
  const program = new Command()
    .name("polyplug")
    .description("Polyplug: a polyglot plugin gateway on HashiCorp go-plugin's protocol")
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.out(text), writeErr: (text) => io.err(text) })
    .showHelpAfterError()
    // Options belong to the command they follow, so `bundle --json` and `bundle verify --json` can coexist.
    .enablePositionalOptions()
    .version(GATEWAY_VERSION, "-V, --version", "print the version and exit");
  const setExitCode = (code: number) => {
    exitCode = code;
  };
  registerProbe(program, io, setExitCode);
  registerServe(program, io, setExitCode);
  registerConformance(program, io, setExitCode);
  registerStatus(program, io, setExitCode);
  registerPlugin(program, io, setExitCode);
  registerBundle(program, io, setExitCode);
  registerKeys(program, io, setExitCode);
  registerNew(program, io, setExitCode);
  registerDev(program, io, setExitCode);
  registerCheck(program, io, setExitCode);
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    throw error;
  }
  return exitCode;
}
