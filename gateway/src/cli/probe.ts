import type { Command } from "commander";
import { pino } from "pino";
import { ErrorCode, PolyplugError } from "../errors.js";
import type { HealthStatus } from "../host/health.js";
import type { ShutdownOutcome } from "../host/shutdown.js";
import { startPlugin } from "../host/start-plugin.js";
import { parseCookie, parseSeconds, parseVersions } from "./handshake-options.js";
import { paint, type CliIo } from "./io.js";
import { chooseLogLevel } from "./log-format.js";

/** The JSON `polyplug probe --json` prints on success. */
export interface ProbeSuccess {
  readonly ok: true;
  readonly coreProtocolVersion: number;
  readonly appProtocolVersion: number;
  readonly network: "unix" | "tcp";
  readonly address: string;
  readonly protocol: "grpc";
  readonly mtls: boolean;
  readonly health: HealthStatus;
  readonly startupMs: number;
  readonly shutdown: ShutdownOutcome;
  readonly pid: number | undefined;
  readonly stderr: string[];
}

/** The JSON `polyplug probe --json` prints on failure. */
export interface ProbeFailure {
  readonly ok: false;
  readonly error: { readonly code: string; readonly message: string };
  readonly stderr?: string[];
}

interface ProbeOptions {
  cookie?: string;
  protocolVersions?: string;
  automtls?: boolean;
  timeout?: string;
  json?: boolean;
  logLevel?: string;
  inheritEnv?: boolean;
}

/**
 * Launches a plugin, completes the handshake, checks health and shuts it down.
 * Returns the report; never throws for plugin failures.
 */
export async function runProbe(
  command: string[],
  options: ProbeOptions,
  io: CliIo,
): Promise<ProbeSuccess | ProbeFailure> {
  const [executable, ...args] = command;
  let tail: string[] = [];
  try {
    if (!executable)
      throw new PolyplugError(
        ErrorCode.InvalidArgument,
        "no plugin command given: use `polyplug probe [options] -- COMMAND [ARGS...]`",
      );
    const handshake = { ...parseCookie(options.cookie), protocolVersions: parseVersions(options.protocolVersions) };
    const startTimeoutMs = parseSeconds(options.timeout, 60_000);
    const logger = pino({ level: chooseLogLevel(options.logLevel, "silent") }, io.logDestination);
    const plugin = await startPlugin({
      command: executable,
      args,
      handshake,
      autoMtls: options.automtls ?? false,
      startTimeoutMs,
      logger,
      inheritEnv: options.inheritEnv ?? true,
    });
    let health: HealthStatus;
    try {
      health = await plugin.health(Math.min(startTimeoutMs, 10_000));
    } catch (error) {
      await plugin.shutdown();
      throw new PolyplugError(ErrorCode.Unhealthy, `health check failed: ${PolyplugError.from(error).message}`, {
        cause: error,
      });
    }
    const shutdown = await plugin.shutdown();
    tail = plugin.stderrTail();
    const report: ProbeSuccess = {
      ok: true,
      coreProtocolVersion: plugin.handshake.coreProtocolVersion,
      appProtocolVersion: plugin.handshake.appProtocolVersion,
      network: plugin.handshake.network,
      address: plugin.handshake.address,
      protocol: "grpc",
      mtls: plugin.mtls,
      health,
      startupMs: plugin.startupMs,
      shutdown,
      pid: plugin.pid,
      stderr: tail,
    };
    if (health !== "SERVING") {
      return {
        ok: false,
        error: {
          code: ErrorCode.Unhealthy,
          message: `the plugin answered the health check with ${health}, not SERVING`,
        },
        stderr: tail,
      };
    }
    return report;
  } catch (error) {
    const failure = PolyplugError.from(error);
    const stderr = Array.isArray(failure.details.stderr) ? (failure.details.stderr as string[]) : tail;
    return {
      ok: false,
      error: { code: failure.code, message: failure.message },
      ...(stderr.length > 0 ? { stderr } : {}),
    };
  }
}

function printHuman(report: ProbeSuccess | ProbeFailure, io: CliIo): void {
  const c = paint(io.color);
  if (!report.ok) {
    io.err(`${c.red("✖ probe failed")} ${c.dim(`[${report.error.code}]`)}\n${report.error.message}\n`);
    return;
  }
  io.out(
    [
      `${c.green("✔ plugin is healthy")} (${report.health}, started in ${report.startupMs} ms)`,
      `  protocol   core ${report.coreProtocolVersion}, app ${report.appProtocolVersion}, ${report.protocol}`,
      `  listens    ${report.network} ${report.address}`,
      `  AutoMTLS   ${report.mtls ? "on (certificates verified both ways)" : "off"}`,
      `  shutdown   ${report.shutdown}`,
      ...(report.stderr.length > 0
        ? [`  last output lines:`, ...report.stderr.map((line) => c.dim(`    ${line}`))]
        : []),
      "",
    ].join("\n"),
  );
}

/** Registers `polyplug probe`. */
export function registerProbe(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  program
    .command("probe")
    .description("launch a go-plugin plugin, complete the handshake, check its health, shut it down and report")
    .usage("[options] -- COMMAND [ARGS...]")
    .argument("<command...>", "the plugin executable and its arguments (put them after --)")
    .option("--cookie <KEY=VALUE>", "magic cookie (default: Polyplug's POLYPLUG_PLUGIN cookie)")
    .option("--protocol-versions <list>", "app protocol versions to offer, comma-separated (default: 1)")
    .option("--automtls", "turn on AutoMTLS (host and plugin verify each other's certificates)")
    .option("--timeout <seconds>", "start timeout in seconds (default: 60)")
    .option("--log-level <level>", "show plugin output on stderr at this pino level (trace, debug, info...)")
    .option("--no-inherit-env", "pass the plugin only PATH, HOME, locale and TMPDIR instead of the whole environment")
    .option("--json", "print exactly one JSON object on stdout")
    .action(async (command: string[], options: ProbeOptions) => {
      const report = await runProbe(command, options, io);
      if (options.json) io.out(`${JSON.stringify(report)}\n`);
      else printHuman(report, io);
      setExitCode(report.ok ? 0 : 1);
    });
}
