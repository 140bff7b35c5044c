import type { Command } from "commander";
import { PolyplugError } from "../errors.js";
import { parseCookie, parseSeconds, parseVersions } from "./handshake-options.js";
import type { CliIo } from "./io.js";
import type { ConformanceCliModule } from "./conformance-cli-contract.js";

interface ConformanceOptions {
  cases?: string[];
  skip?: string[];
  features?: string;
  knownFailing?: string;
  report?: string;
  out?: string;
  verbose?: boolean;
  cookie?: string;
  protocolVersions?: string;
  automtls?: boolean;
  startTimeout?: string;
}

/** The suite's default wait for a handshake line (conformance/src/host-settings.ts). */
const DEFAULT_START_TIMEOUT_MS = 15_000;

const collect = (value: string, previous: string[] = []) => [...previous, value];

/**
 * Registers `polyplug conformance`: runs the conformance suite (package
 * polyplug-conformance, imported only when the command runs) against a plugin.
 */
export function registerConformance(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  program
    .command("conformance")
    .description(
      "run the Polyplug conformance suite against a plugin executable (or a plugin directory with plugin.json)",
    )
    .usage("[options] -- COMMAND [ARGS...]")
    .argument("<plugin...>", "the plugin executable and its arguments, or a plugin directory (put them after --)")
    .option(
      "--cases <pattern>",
      "only cases matching the pattern (`*` within a segment, `**` across; repeatable)",
      collect,
    )
    .option("--skip <pattern>", "leave out cases matching the pattern (repeatable)", collect)
    .option("--features <file>", "features file of the implementation (default: every feature but tcp)")
    .option("--known-failing <file>", "known-failing list; a listed case that passes is an error")
    .option("--report <format>", "json, junit or markdown (to --out, or stdout)")
    .option("--out <file>", "where to write the report")
    .option("-v, --verbose", "traces of every case, passing ones too: what was sent, what came back")
    .option(
      "--cookie <KEY=VALUE>",
      "magic cookie of a go-plugin plugin that is not a Polyplug plugin: runs the protocol cases, skips the Polyplug-specific ones",
    )
    .option(
      "--protocol-versions <list>",
      "app protocol versions the plugin speaks, comma-separated (default: the features file's, else 1)",
    )
    .option("--automtls", "start plugins through the host core with AutoMTLS on (the automtls cases always use it)")
    .option(
      "--start-timeout <seconds>",
      "how long to wait for each handshake line (default: 15; the protocol allows 60)",
    )
    .action(async (plugin: string[], options: ConformanceOptions) => {
      let host: { cookie?: { key: string; value: string }; protocolVersions?: number[]; startTimeoutMs?: number };
      try {
        const cookie = options.cookie !== undefined ? parseCookie(options.cookie) : undefined;
        host = {
          ...(cookie ? { cookie: { key: cookie.magicCookieKey, value: cookie.magicCookieValue } } : {}),
          ...(options.protocolVersions !== undefined
            ? { protocolVersions: parseVersions(options.protocolVersions) }
            : {}),
          ...(options.startTimeout !== undefined
            ? { startTimeoutMs: parseSeconds(options.startTimeout, DEFAULT_START_TIMEOUT_MS, "--start-timeout") }
            : {}),
        };
      } catch (error) {
        io.err(`${PolyplugError.from(error).message}\n`);
        setExitCode(2);
        return;
      }
      let suite: ConformanceCliModule;
      try {
        // By a computed name on purpose: polyplug-conformance depends on this package, so the
        // gateway must not depend on it (not even for types: conformance-cli-contract.ts has them).
        const name = "polyplug-conformance";
        suite = (await import(name)) as ConformanceCliModule;
      } catch (error) {
        io.err(
          `the conformance suite (package polyplug-conformance) is not installed or not built: ${error instanceof Error ? error.message : String(error)}\n`,
        );
        setExitCode(2);
        return;
      }
      const code = await suite.runConformanceCli(
        {
          plugin,
          ...(options.cases ? { cases: options.cases } : {}),
          ...(options.skip ? { skip: options.skip } : {}),
          ...(options.features ? { features: options.features } : {}),
          ...(options.knownFailing ? { knownFailing: options.knownFailing } : {}),
          ...(options.report ? { report: options.report } : {}),
          ...(options.out ? { out: options.out } : {}),
          ...(options.verbose ? { verbose: true } : {}),
          ...host,
          ...(options.automtls ? { autoMtls: true } : {}),
        },
        { out: (text) => io.out(text), err: (text) => io.err(text) },
      );
      setExitCode(code);
    });
}
