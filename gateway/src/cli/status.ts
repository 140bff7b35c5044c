import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Command } from "commander";
import { create } from "@bufbuild/protobuf";
import { fromPermissionsMessage } from "../admin/permissions-message.js";
import { describePermissions } from "../registry/permission-approval.js";
import {
  PluginPermissionsSchema,
  AdminGetStatusResponseSchema,
  AdminStreamEventsResponseSchema,
  NodeStatus,
  PluginState,
  type AdminStreamEventsResponse,
  type ClusterNode,
  type PluginInfo,
} from "@polyplug/sdk/internal/gen/polyplug/v1/admin_pb.js";
import { Hook } from "@polyplug/sdk/internal/gen/polyplug/v1/plugin_pb.js";
import { errorSummary } from "../host/launch.js";
import {
  AdminCliError,
  AdminExit,
  messageJson,
  printFailure,
  runAdminCommand,
  withAdminOptions,
  type AdminCliOptions,
} from "./admin-client.js";
import { paint, type CliIo } from "./io.js";

type Paint = ReturnType<typeof paint>;

/** A plugin state as the CLI prints it ("active", "not-running", …). */
export function stateName(state: PluginState): string {
  return (PluginState[state] ?? "UNKNOWN").toLowerCase().replace(/_/g, "-");
}

/** The colour of a state: green active, red failed/unhealthy, dim stopped, yellow in between. */
function stateColour(c: Paint, state: PluginState): (text: string) => string {
  if (state === PluginState.ACTIVE) return c.green;
  if (state === PluginState.FAILED || state === PluginState.UNHEALTHY) return c.red;
  if (state === PluginState.NOT_RUNNING) return c.dim;
  return c.yellow;
}

/** The state's name, coloured. */
export function paintState(c: Paint, state: PluginState): string {
  return stateColour(c, state)(stateName(state));
}

const ms = (value: number) => (value >= 100 ? value.toFixed(0) : value.toFixed(1));

/** True when the plugin became active after its last error: the error is history, not its current state. */
export function recoveredSince(p: Pick<PluginInfo, "lastError" | "activeSince" | "state">): boolean {
  const at = p.lastError?.at;
  return (
    p.state === PluginState.ACTIVE &&
    at !== undefined &&
    p.activeSince !== undefined &&
    timestampDate(p.activeSince) >= timestampDate(at)
  );
}

/** The LAST ERROR cell: one-line summary (with the plugin's last output line), when, and whether it recovered since. */
export function lastErrorCell(p: PluginInfo): string {
  if (!p.lastError) return "";
  const when = p.lastError.at ? timestampDate(p.lastError.at).toISOString().replace("T", " ").slice(0, 19) : "";
  const note = [when, recoveredSince(p) ? "recovered since" : ""].filter(Boolean).join(", ");
  return `${errorSummary(p.lastError.message, 160)}${note ? ` (${note})` : ""}`;
}

/** The plugins as a table: one row each, the state coloured, intercept latency figures. */
export function pluginTable(c: Paint, plugins: readonly PluginInfo[]): string {
  if (plugins.length === 0) return c.dim("no plugins\n");
  // RESTARTS counts automatic restarts and operators' `plugin restart` since the gateway started.
  const header = [
    "PLUGIN",
    "VERSION",
    "STATE",
    "ENABLED",
    "PID",
    "RESTARTS",
    "CALLS",
    "P50 ms",
    "P99 ms",
    "LAST ERROR",
  ];
  const rows = plugins.map((p) => {
    const calls = p.latency.reduce((sum, l) => sum + Number(l.calls), 0);
    const main = p.latency.find((l) => l.hook === Hook.INTERCEPT) ?? p.latency[0];
    return [
      p.id,
      p.version,
      stateName(p.state),
      p.enabled ? "yes" : "no",
      p.pid ? String(p.pid) : "-",
      String(p.restarts),
      String(calls),
      main ? ms(main.p50Ms) : "-",
      main ? ms(main.p99Ms) : "-",
      lastErrorCell(p),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[], colour: (cell: string, i: number) => string) =>
    cells
      .map((cell, i) => colour(cell.padEnd(widths[i] ?? 0), i))
      .join("  ")
      .trimEnd();
  return (
    [
      line(header, (cell) => c.bold(cell)),
      ...rows.map((row, r) =>
        line(row, (cell, i) =>
          i === 2
            ? stateColour(c, plugins[r]?.state ?? PluginState.UNSPECIFIED)(cell)
            : i === 9
              ? plugins[r] && recoveredSince(plugins[r])
                ? c.dim(cell)
                : c.red(cell)
              : cell,
        ),
      ),
      // The whole error of each plugin that is down: its output lines say why.
      ...plugins
        .filter((p) => p.lastError && p.state !== PluginState.ACTIVE)
        .map((p) => `\n${c.bold(p.id)}: ${c.red(p.lastError?.message ?? "")}`),
    ].join("\n") + "\n"
  );
}

/** One line per plugin: what it was granted (GatewayAPI, network, paths, limits). */
export function permissionLines(c: Paint, plugins: readonly PluginInfo[]): string[] {
  const granted = plugins.filter((p) => p.permissions);
  if (granted.length === 0) return [];
  return [
    c.bold("PERMISSIONS"),
    ...granted.map(
      (p) =>
        `${p.id}  ${c.dim(describePermissions(fromPermissionsMessage(p.permissions ?? create(PluginPermissionsSchema))).join(" · "))}`,
    ),
    "",
  ];
}

/** The cluster's nodes as a table: one row per node, its liveness coloured, each plugin's state on it. */
export function nodeTable(c: Paint, nodes: readonly ClusterNode[], self: string): string {
  const header = ["NODE", "STATUS", "PUBLIC URL", "LAST SEEN", "PLUGINS"];
  const status = (node: ClusterNode) => (NodeStatus[node.status] ?? "UNKNOWN").toLowerCase();
  const rows = nodes.map((node) => [
    `${node.nodeId}${node.nodeId === self ? " *" : ""}`,
    status(node),
    node.publicUrl,
    node.lastSeen ? timestampDate(node.lastSeen).toISOString() : "-",
    node.plugins.map((p) => `${p.pluginId}@${p.version}:${stateName(p.state)}`).join(" ") || "-",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[], colour: (cell: string, i: number) => string) =>
    cells
      .map((cell, i) => colour(cell.padEnd(widths[i] ?? 0), i))
      .join("  ")
      .trimEnd();
  const colourOf = (node: ClusterNode | undefined) =>
    node?.status === NodeStatus.ALIVE ? c.green : node?.status === NodeStatus.DEAD ? c.red : c.dim;
  return (
    [
      line(header, (cell) => c.bold(cell)),
      ...rows.map((row, r) => line(row, (cell, i) => (i === 1 ? colourOf(nodes[r])(cell) : cell))),
    ].join("\n") + "\n"
  );
}

function eventLine(c: Paint, event: AdminStreamEventsResponse): string {
  const time = event.time ? timestampDate(event.time).toISOString() : "";
  const body = event.event;
  switch (body.case) {
    case "stateChanged":
      return `${c.dim(time)} ${body.value.pluginId} → ${paintState(c, body.value.state)}${body.value.lastError && body.value.state !== PluginState.ACTIVE ? c.dim(` (${errorSummary(body.value.lastError.message)})`) : ""}`;
    case "installed":
      return `${c.dim(time)} ${body.value.pluginId} ${body.value.previousVersion ? `upgraded ${body.value.previousVersion} → ${body.value.version}` : `installed ${body.value.version}`}`;
    case "removed":
      return `${c.dim(time)} ${body.value.pluginId} removed (${body.value.version})`;
    case "configChanged":
      return `${c.dim(time)} ${body.value.pluginId} configuration changed: ${body.value.changedKeys.join(", ") || "no values changed"}`;
    case "commandConflict":
      return `${c.dim(time)} ${c.red(`/${body.value.command} is claimed by ${body.value.pluginIds.join(", ")}`)}`;
    case "pluginEvent":
      return `${c.dim(time)} ${body.value.event} ${JSON.stringify(body.value.payload ?? {})}`;
    default:
      return `${c.dim(time)} (unknown event)`;
  }
}

/** Registers `polyplug status` and `polyplug events`. */
export function registerStatus(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  const c = paint(io.color);
  withAdminOptions(
    program
      .command("status")
      .description("show the running gateway: version, public URL, plugins with state and latency"),
  ).action(async (options: AdminCliOptions) => {
    setExitCode(
      await runAdminCommand(io, options, async (admin) => {
        const status = await admin.getStatus({});
        const counts = new Map<string, number>();
        for (const p of status.plugins) counts.set(stateName(p.state), (counts.get(stateName(p.state)) ?? 0) + 1);
        const started = status.startedAt ? timestampDate(status.startedAt) : undefined;
        const human = [
          `${c.bold("Polyplug gateway")} ${status.version}  ${c.dim("public API")} ${status.publicUrl}${started ? `  ${c.dim("up since")} ${started.toISOString()}` : ""}`,
          `${status.plugins.length} plugin(s): ${[...counts].map(([state, n]) => `${n} ${state}`).join(", ") || "none"}`,
          ...(status.sandbox
            ? [
                `${c.dim("sandbox")} ${status.sandbox.isolation === "bubblewrap" ? "bubblewrap" : c.red("none")}  ${c.dim("limits")} ${status.sandbox.limits}  ${c.dim("mode")} ${status.sandbox.mode}`,
              ]
            : []),
          ...(status.sandbox?.warnings ?? []).map((warning) => c.red(`! ${warning}`)),
          "",
          pluginTable(c, status.plugins),
          ...permissionLines(c, status.plugins),
          `${c.dim("signature policy for installs:")} ${status.signaturePolicy || "unknown"}`,
          ...status.brokenPlugins.map(
            (b) => `${c.red("✖")} ${b.dir}: ${b.message.split("\n")[0]} ${c.dim(`[${b.code}]`)}`,
          ),
          ...(status.nodes.length > 1
            ? [
                "",
                `${c.bold("Cluster")}: ${status.nodes.length} node(s), * = the one that answered`,
                nodeTable(c, status.nodes, status.nodeId),
              ]
            : []),
        ].join("\n");
        return { json: messageJson(AdminGetStatusResponseSchema, status), human };
      }),
    );
  });
  withAdminOptions(
    program
      .command("events")
      .description(
        "follow the gateway's events: state changes, installs, configuration, command conflicts, plugin events",
      ),
  )
    .option("--plugin <id>", "only events about this plugin")
    .option("--recent <n>", "first print up to N recent events (the gateway keeps the last 100)", "0")
    .action(async (options: AdminCliOptions & { plugin?: string; recent: string }) => {
      const recent = Number(options.recent);
      if (!Number.isInteger(recent) || recent < 0 || recent > 100) {
        setExitCode(
          printFailure(
            io,
            options,
            new AdminCliError(AdminExit.Usage, "invalid_argument", "--recent must be a whole number from 0 to 100"),
          ),
        );
        return;
      }
      setExitCode(
        await runAdminCommand(io, options, async (admin) => {
          for await (const event of admin.streamEvents({ pluginId: options.plugin ?? "", recent })) {
            io.out(
              options.json
                ? `${JSON.stringify(messageJson(AdminStreamEventsResponseSchema, event))}\n`
                : `${eventLine(c, event)}\n`,
            );
          }
          return undefined;
        }),
      );
    });
}
