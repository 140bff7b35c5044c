import path from "node:path";
import { InvalidArgumentError, type Command } from "commander";
import type { CheckResult } from "../check/check-report.js";
import { checkPlugin, DEFAULT_CHECK_RUNS } from "../check/plugin-check.js";
import { PolyplugError } from "../errors.js";
import { paint, type CliIo } from "./io.js";

interface CheckCliOptions {
  seed?: number;
  runs?: number;
  build: boolean;
  python?: string;
  json?: boolean;
}

function positiveInteger(name: string, max: number) {
  return (value: string): number => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < 0 || number > max)
      throw new InvalidArgumentError(`${name} must be an integer from 0 to ${max}`);
    return number;
  };
}

/** Registers `polyplug check [DIR]`. */
export function registerCheck(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  program
    .command("check")
    .description(
      "check your plugin: manifest, build, activation with default settings, Describe vs manifest, then every hook with generated inputs",
    )
    .argument("[dir]", "the plugin folder (with plugin.json or plugin.yaml)", ".")
    .option(
      "--seed <n>",
      "seed of the generated inputs (replays a reported failure)",
      positiveInteger("--seed", 2 ** 31 - 1),
    )
    .option(
      "--runs <n>",
      `generated inputs per hook (default ${DEFAULT_CHECK_RUNS})`,
      positiveInteger("--runs", 10_000),
    )
    .option("--no-build", "do not build (go build / npm run build) first")
    .option("--python <path>", "python for `command: [python, …]` (default: python from PATH)")
    .option("--json", "print exactly one JSON report on stdout")
    .action(async (dir: string, options: CheckCliOptions) => {
      setExitCode(await runCheck(dir, options, io));
    });
}

async function runCheck(dirArgument: string, options: CheckCliOptions, io: CliIo): Promise<number> {
  const c = paint(io.color);
  const dir = path.resolve(dirArgument);
  const line = (result: CheckResult) => {
    const mark = result.ok ? c.green("✔") : c.red("✖");
    const input =
      result.failingInput === undefined
        ? ""
        : `\n      input: ${result.failingInput.length > 500 ? `${result.failingInput.slice(0, 500)}…` : result.failingInput}`;
    return `  ${mark} ${result.name.padEnd(34)} ${result.ok ? c.dim(result.detail) : result.detail}${input}\n`;
  };
  try {
    if (!options.json) io.out(`${c.bold("polyplug check")} ${dir}\n`);
    const report = await checkPlugin(dir, {
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(options.runs !== undefined ? { runs: options.runs } : {}),
      build: options.build,
      ...(options.python ? { interpreters: { python: path.resolve(options.python) } } : {}),
      ...(options.json ? {} : { onResult: (result: CheckResult) => io.out(line(result)) }),
    });
    if (options.json) {
      io.out(`${JSON.stringify(report)}\n`);
    } else {
      const failed = report.checks.filter((check) => !check.ok).length;
      const summary = `${report.checks.length - failed} passed, ${failed} failed · seed ${report.seed}, ${report.runs} inputs per hook`;
      io.out(`\n${failed ? c.red(summary) : c.green(summary)}\n`);
      if (failed)
        io.out(
          `replay: polyplug check ${dirArgument} --seed ${report.seed}${options.runs !== undefined ? ` --runs ${report.runs}` : ""}\n`,
        );
    }
    return report.ok ? 0 : 1;
  } catch (error) {
    const failure = PolyplugError.from(error);
    if (options.json) io.out(`${JSON.stringify({ ok: false, error: failure.toJSON() })}\n`);
    else io.err(`${c.red("✖ check failed")} ${c.dim(`[${failure.code}]`)}\n${failure.message}\n`);
    return 1;
  }
}
