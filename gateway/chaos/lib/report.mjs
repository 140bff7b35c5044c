// The figures of a chaos run: the checks (zero figures and goals), latest.json and latest.md.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

/** The figures a run is judged by; `zero` ones are asserted by `--assert` (and `npm test`). */
export function checksOf(figures) {
  const f = figures;
  return [
    {
      name: "calls answered with a typed outcome within deadline + 50 ms",
      value: `${f.load.typedInTimePct.toFixed(2)} %`,
      goal: "100 %",
      ok: f.load.typedInTime === f.load.sent,
      zero: false,
    },
    {
      name: "forbidden messages allowed through the fail-closed word filter",
      value: f.load.forbiddenAllowed,
      goal: 0,
      ok: f.load.forbiddenAllowed === 0,
      zero: true,
    },
    { name: "gateway crashes", value: f.gatewayCrashes, goal: 0, ok: f.gatewayCrashes === 0, zero: true },
    {
      name: "acknowledged KV writes lost across kill -9 of the gateway",
      value: `${f.kv.lost} of ${f.kv.acked}`,
      goal: 0,
      ok: f.kv.lost === 0 && f.kv.acked > 0,
      zero: true,
    },
    {
      name: "gateway still running 20 s after SIGTERM",
      value: f.shutdown.exitedWithinMs === undefined ? 1 : 0,
      goal: 0,
      ok: f.shutdown.exitedWithinMs !== undefined,
      zero: true,
    },
    {
      name: "processes left after shutdown",
      value: f.shutdown.processesLeft,
      goal: 0,
      ok: f.shutdown.processesLeft === 0,
      zero: true,
    },
    {
      name: "sockets and socket dirs left after shutdown",
      value: f.shutdown.socketsLeft,
      goal: 0,
      ok: f.shutdown.socketsLeft === 0,
      zero: true,
    },
  ];
}

function markdown(run) {
  const f = run.figures;
  const lines = [
    `# Chaos run ${run.startedAt}`,
    "",
    `${run.short ? "Short" : "Full"} run, ${run.durationS.toFixed(0)} s of load at ${run.rate} Intercept calls/s (deadline ${f.load.deadlineMs} ms), on ${run.machine}.`,
    "",
    "| Figure | Value | Goal | |",
    "| --- | --- | --- | --- |",
    ...run.checks.map((c) => `| ${c.name} | ${c.value} | ${c.goal} | ${c.ok ? "✅" : "❌"} |`),
    `| gateway RSS peak under attack | ${f.rssPeakMb} MB | — | |`,
    "",
    `Calls: ${f.load.sent} sent; outcomes ${JSON.stringify(f.load.codes)}; late ${f.load.typedLate}; untyped ${f.load.untyped} ${JSON.stringify(f.load.untypedErrors)}; slowest ${Math.round(f.load.maxMs)} ms; ${f.load.cutByKill} in flight at the deliberate kill -9 not counted.${f.load.lateAtS.length ? ` Late (call time s: latency): ${f.load.lateAtS.slice(0, 12).join(", ")}.` : ""}${f.load.untypedAtS.length ? ` Untyped (call time s: error): ${f.load.untypedAtS.slice(0, 12).join(", ")}.` : ""}`,
    `KV: ${f.kv.acked} writes acknowledged before the kill -9, ${f.kv.lost} lost.`,
    `Shutdown: ${f.shutdown.exitedWithinMs === undefined ? "did not exit" : `exited ${f.shutdown.exitedWithinMs} ms after SIGTERM`}; ${f.shutdown.processesLeft} processes and ${f.shutdown.socketsLeft} socket entries left${f.shutdown.left.length ? ` (${f.shutdown.left.slice(0, 5).join(", ")})` : ""}.`,
    "",
    "## Events",
    "",
    "| At (s) | Event | Outcome |",
    "| --- | --- | --- |",
    ...[...run.events]
      .sort((a, b) => a.atS - b.atS)
      .map((e) => `| ${e.atS.toFixed(1)} | ${e.name} | ${JSON.stringify(e.outcome).replaceAll("|", "/")} |`),
    "",
  ];
  return lines.join("\n");
}

/** Writes latest.json and latest.md into `dir`; returns the markdown. */
export function writeReport(dir, run) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "latest.json"), `${JSON.stringify(run, null, 2)}\n`);
  const md = markdown(run);
  writeFileSync(path.join(dir, "latest.md"), md);
  return md;
}
