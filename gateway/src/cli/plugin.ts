import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { create, toJson, type JsonObject, type JsonValue } from "@bufbuild/protobuf";
import { timestampDate, ValueSchema } from "@bufbuild/protobuf/wkt";
import type { Command } from "commander";
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import {
  AdminDisablePluginResponseSchema,
  AdminEnablePluginResponseSchema,
  AdminGetConfigResponseSchema,
  AdminGetPluginResponseSchema,
  PluginPermissionsSchema,
  AdminInstallPluginResponseSchema,
  AdminListPluginsResponseSchema,
  AdminRemovePluginResponseSchema,
  AdminRestartPluginResponseSchema,
  AdminSetConfigResponseSchema,
  AdminSetFailModeResponseSchema,
  AdminStreamLogsResponseSchema,
  PluginState,
  SettingType,
  SignatureTrust,
  type Admin,
  type AdminStreamLogsResponse,
  type PluginInfo,
  type SettingSpec,
} from "@polyplug/sdk/internal/gen/polyplug/v1/admin_pb.js";
import { LogLevel } from "@polyplug/sdk/internal/gen/polyplug/v1/gateway_api_pb.js";
import { FailMode } from "@polyplug/sdk/internal/gen/polyplug/v1/gateway_pb.js";
import {
  AdminCliError,
  AdminExit,
  messageJson,
  printFailure,
  progress,
  runAdminCommand,
  withAdminOptions,
  type AdminCliOptions,
  type CommandOutput,
} from "./admin-client.js";
import { fromPermissionsMessage, toPermissionsMessage } from "../admin/permissions-message.js";
import { describePermissions } from "../registry/permission-approval.js";
import { readBundleManifest } from "../registry/bundle.js";
import { describeSignature, type SignatureTrust as SignatureTrustName } from "../registry/signature.js";
import { approvePermissions, terminalApproval } from "./install-approval.js";
import { paint, type CliIo } from "./io.js";
import { paintState, pluginTable } from "./status.js";

type Paint = ReturnType<typeof paint>;

const SIGNATURE_TRUST_NAMES: Partial<Record<SignatureTrust, SignatureTrustName>> = {
  [SignatureTrust.TRUSTED]: "trusted",
  [SignatureTrust.UNTRUSTED]: "untrusted",
  [SignatureTrust.UNSIGNED]: "unsigned",
};

/** The installed plugin with this id, or undefined when there is none. */
async function installedPlugin(admin: Client<typeof Admin>, pluginId: string): Promise<PluginInfo | undefined> {
  try {
    return (await admin.getPlugin({ pluginId })).plugin;
  } catch (error) {
    if (error instanceof ConnectError && error.code === Code.NotFound) return undefined;
    throw error;
  }
}
type SetExitCode = (code: number) => void;

/** "✔ id is active (pid N)", or the failure when a start did not reach `active`. */
function stateOutcome(c: Paint, plugin: PluginInfo, wanted: PluginState): { human: string; exitCode: number } {
  if (plugin.state === wanted)
    return {
      human: `${c.green("✔")} ${plugin.id} ${plugin.version} is ${paintState(c, plugin.state)}${plugin.pid ? c.dim(` (pid ${plugin.pid})`) : ""}`,
      exitCode: AdminExit.Ok,
    };
  const why = plugin.lastError ? `: ${plugin.lastError.message}` : "";
  return { human: `${c.red("✖")} ${plugin.id} is ${paintState(c, plugin.state)}${why}`, exitCode: AdminExit.Failed };
}

/** Setting types whose empty text is a real value (""); for the others `KEY=` is refused. */
const TEXT_TYPES: ReadonlySet<SettingType> = new Set([SettingType.TEXT, SettingType.LONGTEXT, SettingType.SECRET]);

/**
 * Turns KEY=VALUE text into the JSON value its setting expects (unknown keys stay text: the
 * gateway names them). Refuses (usage error) what would otherwise be saved silently: an empty
 * value for a non-text setting (say `KEY=[]` for an empty list) and malformed JSON for a list.
 */
export function coerceSetting(
  setting: SettingSpec | undefined,
  text: string,
  key = setting?.key ?? "value",
): JsonValue {
  if (setting && text.trim() === "" && !TEXT_TYPES.has(setting.type)) {
    const hint = setting.type === SettingType.LIST ? `; for an empty list write ${key}=[]` : "";
    throw new AdminCliError(
      AdminExit.Usage,
      "invalid_argument",
      `${key}= gives no value for a ${settingTypeName(setting.type)} setting${hint}`,
    );
  }
  switch (setting?.type) {
    case SettingType.BOOL:
      return /^(true|yes|on|1)$/i.test(text) ? true : /^(false|no|off|0)$/i.test(text) ? false : text;
    case SettingType.NUMBER: {
      const number = Number(text);
      return text.trim() !== "" && Number.isFinite(number) ? number : text;
    }
    case SettingType.LIST:
      if (text.trim().startsWith("[")) {
        try {
          return JSON.parse(text) as JsonValue;
        } catch (error) {
          // Node's message names the position ("… in JSON at position 4").
          throw new AdminCliError(
            AdminExit.Usage,
            "invalid_argument",
            `${key}: not valid JSON (${(error as Error).message}); write a JSON list such as ["a","b"], or a,b without brackets`,
          );
        }
      }
      return text
        .split(",")
        .map((item) => item.trim())
        .filter((item) => item !== "");
    default:
      return text;
  }
}

function parsePairs(pairs: readonly string[]): Array<[string, string]> {
  return pairs.map((pair) => {
    const at = pair.indexOf("=");
    if (at <= 0)
      throw new AdminCliError(AdminExit.Usage, "invalid_argument", `expected KEY=VALUE, got ${JSON.stringify(pair)}`);
    return [pair.slice(0, at), pair.slice(at + 1)];
  });
}

function valueText(value: JsonValue | undefined): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** "list", "number", … as the manifest spells the type. */
function settingTypeName(type: SettingType): string {
  return (SettingType[type] ?? "").toLowerCase();
}

/** A setting's current value for `config get`; "(not set)" and the default when it has none. */
function settingValueText(c: Paint, setting: SettingSpec, value: JsonValue | undefined): string {
  if (value !== undefined && value !== null) return valueText(value);
  const fallback =
    setting.defaultValue === undefined
      ? "no default"
      : `default ${valueText(toJson(ValueSchema, setting.defaultValue))}`;
  return c.dim(`(not set; ${fallback})`);
}

function logLine(c: Paint, record: AdminStreamLogsResponse): string {
  const time = record.time ? timestampDate(record.time).toISOString() : "";
  const level = (LogLevel[record.level] ?? "INFO").padEnd(5);
  const coloured =
    record.level >= LogLevel.ERROR ? c.red(level) : record.level === LogLevel.WARN ? c.yellow(level) : c.dim(level);
  const fields = Object.keys(record.fields ?? {}).length > 0 ? ` ${c.dim(JSON.stringify(record.fields))}` : "";
  return `${c.dim(time)} ${coloured} ${record.msg}${fields}`;
}

const CONFIG_SET_USAGE = [
  "nothing to set. Usage:",
  '  polyplug plugin config set ID KEY=VALUE...   (lists: a,b or JSON ["a","b"]; KEY=[] for an empty list)',
  "  polyplug plugin config set ID --file config.json   (replaces the whole configuration)",
  "`polyplug plugin config get ID` lists the settings.",
].join("\n");

const LEVELS: Record<string, LogLevel> = {
  trace: LogLevel.TRACE,
  debug: LogLevel.DEBUG,
  info: LogLevel.INFO,
  warn: LogLevel.WARN,
  error: LogLevel.ERROR,
};

/** Registers `polyplug plugin list|install|enable|disable|remove|restart|logs|config|fail-mode`. */
export function registerPlugin(program: Command, io: CliIo, setExitCode: SetExitCode): void {
  const c = paint(io.color);
  const plugin = program
    .command("plugin")
    .description("manage the plugins of a running gateway (through its Admin API)");
  const run = async (options: AdminCliOptions, action: Parameters<typeof runAdminCommand>[2]) =>
    setExitCode(await runAdminCommand(io, options, action));

  withAdminOptions(plugin.command("list").description("list the plugins with state, restarts and latency")).action(
    (options: AdminCliOptions) =>
      run(options, async (admin) => {
        const answer = await admin.listPlugins({});
        return { json: messageJson(AdminListPluginsResponseSchema, answer), human: pluginTable(c, answer.plugins) };
      }),
  );

  withAdminOptions(
    plugin
      .command("info")
      .argument("<id>", "plugin id")
      .description("show one plugin: state, folder, granted permissions, hooks"),
  ).action((id: string, options: AdminCliOptions) =>
    run(options, async (admin) => {
      const answer = await admin.getPlugin({ pluginId: id });
      const p = answer.plugin;
      if (!p) throw new AdminCliError(AdminExit.Failed, "internal", "the gateway answered without the plugin");
      const human = [
        `${c.bold(p.id)} ${p.version} — ${paintState(c, p.state)}${p.enabled ? "" : c.dim(" (disabled)")}`,
        `  folder       ${p.dir}${p.managed ? c.dim(" (installed through the gateway)") : c.dim(" (the operator's plugins folder)")}`,
        `  permissions  ${describePermissions(fromPermissionsMessage(p.permissions ?? create(PluginPermissionsSchema))).join("\n               ")}`,
        `  intercepts   ${p.interceptTopics.join(", ") || "-"}`,
        `  notified of  ${p.notifyTopics.join(", ") || "-"}`,
        `  commands     ${p.commands.map((command) => `/${command.name}`).join(", ") || "-"}`,
        ...(p.lastError ? [`  last error   ${c.red(p.lastError.message.split("\n")[0] ?? "")}`] : []),
      ].join("\n");
      return { json: messageJson(AdminGetPluginResponseSchema, answer), human };
    }),
  );

  withAdminOptions(
    plugin
      .command("install")
      .argument("<file>", "plugin bundle (.tar.gz)")
      .description("install a plugin bundle, or upgrade the installed plugin (a failed upgrade is rolled back)"),
  )
    .option("--signature <file>", "detached signature file (default: <file>.sig when it exists)")
    .option("--require-signature", "refuse the bundle unless it is signed by a key in <data>/trusted-keys")
    .option("--approve", "approve the permissions the bundle asks for without asking (they are still printed)")
    .action(
      async (
        file: string,
        options: AdminCliOptions & { signature?: string; requireSignature?: boolean; approve?: boolean },
      ) => {
        let bundle: Buffer;
        let signature: Buffer | undefined;
        try {
          bundle = await readFile(file);
          const signatureFile = options.signature ?? (existsSync(`${file}.sig`) ? `${file}.sig` : undefined);
          signature = signatureFile ? await readFile(signatureFile) : undefined;
        } catch (error) {
          setExitCode(
            printFailure(
              io,
              options,
              new AdminCliError(
                AdminExit.Usage,
                "invalid_argument",
                `cannot read ${(error as NodeJS.ErrnoException).path ?? file}: ${(error as Error).message}`,
              ),
            ),
          );
          return;
        }
        await run(options, async (admin) => {
          // A bundle this client cannot read goes to the gateway unapproved: it names the problem.
          const manifest = await readBundleManifest(bundle).catch(() => undefined);
          const approved = manifest
            ? await approvePermissions(
                io,
                manifest,
                await installedPlugin(admin, manifest.id),
                terminalApproval(options.approve ?? false),
              )
            : undefined;
          const stop = progress(`installing ${file}`);
          try {
            const answer = await admin.installPlugin({
              bundle,
              requireSignature: options.requireSignature ?? false,
              ...(signature ? { signature } : {}),
              ...(approved ? { approvedPermissions: toPermissionsMessage(approved) } : {}),
            });
            const p = answer.plugin;
            const what = answer.previousVersion
              ? `upgraded ${p?.id} ${answer.previousVersion} → ${p?.version}`
              : `installed ${p?.id} ${p?.version}`;
            const signed = describeSignature({
              trust: SIGNATURE_TRUST_NAMES[answer.signatureTrust] ?? (answer.signed ? "trusted" : "unsigned"),
              keyId: answer.keyId,
            });
            const warnings = answer.warnings.map((warning) => `\n${c.yellow("!")} ${warning}`).join("");
            const human = `${c.green("✔")} ${what} — ${p ? paintState(c, p.state) : "?"} ${c.dim(`(sha256 ${answer.sha256.slice(0, 16)}…, ${signed})`)}${warnings}`;
            return { json: messageJson(AdminInstallPluginResponseSchema, answer), human };
          } finally {
            stop();
          }
        });
      },
    );

  type Admin = Parameters<Parameters<typeof runAdminCommand>[2]>[0];
  const simple: ReadonlyArray<{
    name: string;
    description: string;
    wanted: PluginState;
    call: (admin: Admin, pluginId: string) => Promise<{ plugin?: PluginInfo | undefined; json: unknown }>;
  }> = [
    {
      name: "enable",
      description: "enable a plugin (remembered) and start it",
      wanted: PluginState.ACTIVE,
      call: async (admin, pluginId) => {
        const answer = await admin.enablePlugin({ pluginId });
        return { plugin: answer.plugin, json: messageJson(AdminEnablePluginResponseSchema, answer) };
      },
    },
    {
      name: "disable",
      description: "disable a plugin (remembered) and stop it",
      wanted: PluginState.NOT_RUNNING,
      call: async (admin, pluginId) => {
        const answer = await admin.disablePlugin({ pluginId });
        return { plugin: answer.plugin, json: messageJson(AdminDisablePluginResponseSchema, answer) };
      },
    },
    {
      name: "restart",
      description: "restart a plugin (also clears a crash loop)",
      wanted: PluginState.ACTIVE,
      call: async (admin, pluginId) => {
        const answer = await admin.restartPlugin({ pluginId });
        return { plugin: answer.plugin, json: messageJson(AdminRestartPluginResponseSchema, answer) };
      },
    },
  ];
  for (const command of simple) {
    withAdminOptions(
      plugin.command(command.name).argument("<id>", "plugin id").description(command.description),
    ).action((id: string, options: AdminCliOptions) =>
      run(options, async (admin): Promise<CommandOutput> => {
        const stop =
          command.wanted === PluginState.ACTIVE
            ? progress(`${command.name === "enable" ? "starting" : "restarting"} ${id}`)
            : () => undefined;
        try {
          const answer = await command.call(admin, id);
          const outcome = answer.plugin
            ? stateOutcome(c, answer.plugin, command.wanted)
            : { human: "", exitCode: AdminExit.Failed };
          return { json: answer.json, ...outcome };
        } finally {
          stop();
        }
      }),
    );
  }

  withAdminOptions(
    plugin
      .command("remove")
      .argument("<id>", "plugin id")
      .description("stop an installed plugin and delete it (its configuration and data are kept)"),
  ).action((id: string, options: AdminCliOptions) =>
    run(options, async (admin) => {
      const answer = await admin.removePlugin({ pluginId: id });
      return {
        json: messageJson(AdminRemovePluginResponseSchema, answer),
        human: `${c.green("✔")} removed ${id} ${answer.version}`,
      };
    }),
  );

  withAdminOptions(
    plugin
      .command("logs")
      .argument("<id>", "plugin id")
      .description("show a plugin's recent log records; -f keeps following"),
  )
    .option("-f, --follow", "keep the stream open and print new records")
    .option("--tail <n>", "how many recent records first (1-1000)", "100")
    .option("--level <level>", "lowest level: trace, debug, info, warn, error")
    .action(async (id: string, options: AdminCliOptions & { follow?: boolean; tail: string; level?: string }) => {
      const tail = Number(options.tail);
      const level = options.level === undefined ? LogLevel.UNSPECIFIED : LEVELS[options.level];
      if (!Number.isInteger(tail) || tail < 1 || tail > 1000 || level === undefined) {
        setExitCode(
          printFailure(
            io,
            options,
            new AdminCliError(
              AdminExit.Usage,
              "invalid_argument",
              level === undefined
                ? `--level must be one of ${Object.keys(LEVELS).join(", ")}`
                : "--tail must be a whole number from 1 to 1000",
            ),
          ),
        );
        return;
      }
      await run(options, async (admin) => {
        const lines: unknown[] | undefined = options.json && !options.follow ? [] : undefined;
        for await (const record of admin.streamLogs({
          pluginId: id,
          follow: options.follow ?? false,
          tail,
          minLevel: level,
        })) {
          const json = messageJson(AdminStreamLogsResponseSchema, record);
          if (lines) lines.push(json);
          else io.out(options.json ? `${JSON.stringify(json)}\n` : `${logLine(c, record)}\n`);
        }
        return lines ? { json: { records: lines }, human: "" } : undefined;
      });
    });

  const config = plugin.command("config").description("read or change a plugin's configuration");
  withAdminOptions(
    config.command("get").argument("<id>", "plugin id").description("show the configuration and its settings schema"),
  ).action((id: string, options: AdminCliOptions) =>
    run(options, async (admin) => {
      const answer = await admin.getConfig({ pluginId: id });
      const values = answer.config ?? {};
      const rows = answer.settings.map(
        (s) =>
          `${c.bold(s.key)} = ${settingValueText(c, s, values[s.key])}  ${c.dim(`(${settingTypeName(s.type)}${s.required ? ", required" : ""})`)}`,
      );
      const extra = Object.keys(values)
        .filter((key) => !answer.settings.some((s) => s.key === key))
        .map((key) => `${key} = ${valueText(values[key])}`);
      return {
        json: messageJson(AdminGetConfigResponseSchema, answer),
        human: [...rows, ...extra].join("\n") || c.dim(`${id} has no settings`),
      };
    }),
  );
  withAdminOptions(
    config
      .command("set")
      .argument("<id>", "plugin id")
      .argument("[pairs...]", "KEY=VALUE (lists: a,b,c or JSON)")
      .description("change settings (validated against the schema; nothing changes on error)"),
  )
    .option("--file <config.json>", "replace the whole configuration with this JSON object")
    .action(async (id: string, pairs: string[], options: AdminCliOptions & { file?: string }) => {
      let parsed: Array<[string, string]> = [];
      let replacement: JsonObject | undefined;
      try {
        if (pairs.length === 0 && !options.file)
          throw new AdminCliError(AdminExit.Usage, "invalid_argument", CONFIG_SET_USAGE);
        if (pairs.length > 0 && options.file)
          throw new AdminCliError(
            AdminExit.Usage,
            "invalid_argument",
            `give KEY=VALUE pairs or --file, not both\n${CONFIG_SET_USAGE}`,
          );
        parsed = parsePairs(pairs);
        if (options.file) {
          const text = await readFile(options.file, "utf8");
          let value: unknown;
          try {
            value = JSON.parse(text);
          } catch (error) {
            throw new AdminCliError(
              AdminExit.Usage,
              "invalid_argument",
              `${options.file}: not valid JSON (${(error as Error).message})`,
            );
          }
          if (value === null || typeof value !== "object" || Array.isArray(value))
            throw new AdminCliError(AdminExit.Usage, "invalid_argument", `${options.file} must hold a JSON object`);
          replacement = value as JsonObject;
        }
      } catch (error) {
        setExitCode(
          printFailure(
            io,
            options,
            error instanceof AdminCliError
              ? error
              : new AdminCliError(
                  AdminExit.Usage,
                  "invalid_argument",
                  `cannot read ${options.file}: ${(error as Error).message}`,
                ),
          ),
        );
        return;
      }
      await run(options, async (admin) => {
        let request: { config: JsonObject; merge: boolean };
        if (replacement) request = { config: replacement, merge: false };
        else {
          const { settings } = await admin.getConfig({ pluginId: id });
          request = {
            config: Object.fromEntries(
              parsed.map(([key, text]) => [
                key,
                coerceSetting(
                  settings.find((s) => s.key === key),
                  text,
                  key,
                ),
              ]),
            ),
            merge: true,
          };
        }
        const answer = await admin.setConfig({ pluginId: id, ...request });
        const saved = answer.config ?? {};
        const human = `${c.green("✔")} saved the configuration of ${id}\n${Object.entries(saved)
          .map(([key, value]) => `  ${key} = ${valueText(value)}`)
          .join("\n")}`;
        return { json: messageJson(AdminSetConfigResponseSchema, answer), human };
      });
    });

  withAdminOptions(
    plugin
      .command("fail-mode")
      .argument("<id>", "plugin id")
      .argument("<mode>", "open, closed, or unset (back to the serve config / manifest)")
      .description(
        "set what an intercept chain does when this plugin fails or is down (the operator's choice; stored)",
      ),
  )
    .option("--topic <topic>", "a topic or pattern (prefix.*); default: every topic", "*")
    .action(async (id: string, mode: string, options: AdminCliOptions & { topic: string }) => {
      const modes: Record<string, FailMode> = {
        open: FailMode.OPEN,
        closed: FailMode.CLOSED,
        unset: FailMode.UNSPECIFIED,
      };
      const wanted = modes[mode];
      if (wanted === undefined) {
        setExitCode(
          printFailure(
            io,
            options,
            new AdminCliError(
              AdminExit.Usage,
              "invalid_argument",
              `mode must be open, closed or unset, got ${JSON.stringify(mode)}`,
            ),
          ),
        );
        return;
      }
      await run(options, async (admin) => {
        const answer = await admin.setFailMode({ pluginId: id, topic: options.topic, mode: wanted });
        const rows = (answer.plugin?.failModes ?? []).map(
          (f) => `  ${f.topic}: ${f.mode === FailMode.CLOSED ? "closed" : "open"} ${c.dim(`(from ${f.source})`)}`,
        );
        return {
          json: messageJson(AdminSetFailModeResponseSchema, answer),
          human: `${c.green("✔")} fail mode of ${id} for ${options.topic}: ${mode}\n${rows.join("\n")}`,
        };
      });
    });
}
