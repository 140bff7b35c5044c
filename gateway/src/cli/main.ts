import { Command, CommanderError } from "commander";
import { processIo, type CliIo } from "./io.js";
import { GATEWAY_VERSION } from "../runtime/version.js";
import { applyMemoryProfile, memoryProfileOf } from "../runtime/memory-profile.js";
import { PolyplugError } from "../errors.js";
import { markStart } from "../runtime/start-timeline.js";

type Register = (program: Command, io: CliIo, setExitCode: (code: number) => void) => void;

// Each command's module (and what it imports) loads only when that command runs, or all of
// them for help and unknown commands: `polyplug serve` does not carry the bundle tooling,
// scaffolds, conformance suite or dev loop in its memory (issue 17). In help order.
const COMMANDS: ReadonlyArray<readonly [names: readonly string[], load: () => Promise<Register>]> = [
  [["probe"], async () => (await import("./probe.js")).registerProbe],
  [["serve"], async () => (await import("./serve.js")).registerServe],
  [["conformance"], async () => (await import("./conformance.js")).registerConformance],
  [["status", "events"], async () => (await import("./status.js")).registerStatus],
  [["plugin"], async () => (await import("./plugin.js")).registerPlugin],
  [["bundle"], async () => (await import("./bundle.js")).registerBundle],
  [["keys"], async () => (await import("./keys.js")).registerKeys],
  [["new"], async () => (await import("./new.js")).registerNew],
  [["dev"], async () => (await import("./dev.js")).registerDev],
  [["check"], async () => (await import("./check.js")).registerCheck],
];

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
  // Before serve's modules load: V8 sizes its young generation while compiling them (issue 17, memory).
  if (argv[2] === "serve") {
    try {
      applyMemoryProfile(memoryProfileOf(argv.slice(3)));
    } catch (error) {
      io.err(`error: ${PolyplugError.from(error).message}\n`);
      return EXIT_USAGE;
    }
  }
  const named = COMMANDS.find(([names]) => names.includes(argv[2] ?? ""));
  for (const [, load] of named ? [named] : COMMANDS) (await load())(program, io, setExitCode);
  markStart("commands-loaded");
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
