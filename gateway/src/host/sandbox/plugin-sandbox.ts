import { chown } from "node:fs/promises";
import { ErrorCode, PolyplugError } from "../../errors.js";
import { bwrapArgs } from "./bwrap-args.js";
import type { PluginCgroup } from "./plugin-cgroup.js";
import { pluginUid } from "./plugin-uid.js";
import { describeResourceLimits, type ResourceLimits } from "./resource-limits.js";
import { runtimePaths } from "./runtime-paths.js";
import type { SandboxSupport } from "./sandbox-support.js";

/** A launch the host core is about to make, before confinement. */
export interface LaunchRequest {
  readonly command: string;
  readonly args: readonly string[];
  /** The plugin folder (its working directory). */
  readonly cwd: string;
  readonly socketDir: string;
  readonly env: Readonly<Record<string, string>>;
}

/** A plugin process's confinement: its process group, its cgroup, its sandbox. */
export interface Confinement {
  /** One line for logs: "bubblewrap as uid 2100123456, cgroup1: memory 512 MiB, ...". */
  readonly description: string;
  /** How many generations below the launched process the plugin itself runs (bubblewrap: 2, its process and its init). */
  readonly pluginDepth: number;
  /** SIGKILLs everything the plugin started (its cgroup; the process group is the launcher's job). */
  killAll(): Promise<void>;
  /**
   * Called once the plugin's main process has exited: kills what it left behind, reads why the
   * kernel killed it (a limit), removes its cgroup.
   */
  release(): Promise<{ readonly reason: string | undefined; readonly problem: string | undefined }>;
}

/** The launch, wrapped: run `command args` instead of the plugin's own. */
export interface ConfinedLaunch {
  readonly command: string;
  readonly args: readonly string[];
  readonly confinement: Confinement;
}

/** Confines each launch of one plugin (passed to `startPlugin` as `sandbox`). */
export interface PluginSandbox {
  prepare(request: LaunchRequest): Promise<ConfinedLaunch>;
}

/** One plugin's sandbox settings, from its manifest's permissions and the operator's configuration. */
export interface PluginSandboxOptions {
  readonly pluginId: string;
  readonly support: SandboxSupport;
  readonly limits: ResourceLimits;
  readonly network: "none" | "host";
  readonly readPaths: readonly string[];
  /** Host paths never exposed (the gateway's data dir, the plugins folders); the plugin's own folder is mounted over them. */
  readonly hidePaths: readonly string[];
  /** The Node executable that runs `node` plugins (its node_modules are mounted for them). */
  readonly nodeExecutable?: string;
  /** Called when a launch was prepared, or failed to be: the host core spawns right after (runtime/plugin-launches.ts). */
  readonly onPrepared?: () => void;
}

// The launcher joins the plugin's cgroup before anything of the plugin runs: a child cannot
// escape by forking before the gateway moves it.
const JOIN_CGROUP = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 126; shift; done; shift; exec "$@"';

let sequence = 0;

/** Throws `failed_precondition` when the mode is `required` and this machine has no sandbox. */
export function assertSandboxAvailable(support: SandboxSupport, pluginId: string): void {
  if (support.mode !== "required" || support.isolation !== "none") return;
  throw new PolyplugError(
    ErrorCode.FailedPrecondition,
    `plugin ${pluginId} not started: the serve config requires a sandbox (sandbox.mode: required) but ${support.unavailableReason ?? "none is available"}. Install bubblewrap, or set sandbox.mode: auto to run plugins unsandboxed.`,
  );
}

/**
 * A plugin's sandbox: the chain `sh (join cgroup) → prlimit (open files; rlimit fallback) →
 * bwrap (namespaces, mounts) → setpriv (own uid, when root) → plugin`, or without bubblewrap
 * `... → setpriv --pdeathsig KILL → plugin`. Refuses to launch when the mode is `required` and
 * no sandbox is available.
 */
export function createPluginSandbox(options: PluginSandboxOptions): PluginSandbox {
  const { support, limits } = options;
  const uid = support.dedicatedUids ? pluginUid(options.pluginId) : undefined;
  const sandbox: PluginSandbox = {
    async prepare(request) {
      assertSandboxAvailable(support, options.pluginId);
      let cgroup: PluginCgroup | undefined;
      if (support.cgroup) cgroup = await support.cgroup.create(`${options.pluginId}.${++sequence}`, limits);
      try {
        const chain: string[] = [];
        if (cgroup) chain.push("/bin/sh", "-c", JOIN_CGROUP, "polyplug-join-cgroup", ...cgroup.procsFiles, "--");
        if (support.prlimitPath) {
          chain.push(support.prlimitPath, `--nofile=${limits.openFiles}:${limits.openFiles}`);
          if (!cgroup) {
            chain.push(`--data=${limits.memoryMiB * 1024 * 1024}:${limits.memoryMiB * 1024 * 1024}`);
            // RLIMIT_NPROC counts every process of the uid: only meaningful for a uid of the plugin's own.
            if (uid !== undefined) chain.push(`--nproc=${limits.processes}:${limits.processes}`);
          }
          chain.push("--");
        }
        let where = "unsandboxed";
        if (support.isolation === "bubblewrap" && support.bwrapPath) {
          if (uid !== undefined) await chown(request.socketDir, uid, uid);
          const mounts = await runtimePaths({
            command: request.command,
            pluginDir: request.cwd,
            searchPath: request.env.PATH,
            nodeExecutable: options.nodeExecutable ?? process.execPath,
          });
          chain.push(support.bwrapPath);
          if (uid === undefined && process.getuid?.() !== 0) chain.push("--unshare-user", "--disable-userns");
          chain.push(
            ...bwrapArgs({
              pluginDir: request.cwd,
              socketDir: request.socketDir,
              runtimePaths: mounts,
              readPaths: options.readPaths,
              hidePaths: options.hidePaths,
              network: options.network,
              systemLinks: support.systemLinks,
              uid,
              setprivPath: support.setprivPath ?? "setpriv",
            }),
          );
          where = `bubblewrap${uid === undefined ? "" : ` as uid ${uid}`}, network ${options.network}`;
        } else if (support.setprivPath) {
          chain.push(support.setprivPath, "--pdeathsig", "KILL", "--");
        }
        const [command = request.command, ...args] = [...chain, request.command, ...request.args];
        const limitedBy = cgroup ? support.limits : "rlimit";
        return {
          command,
          args,
          confinement: {
            description: `${where}; ${limitedBy}: ${describeResourceLimits(limits)}`,
            pluginDepth: where === "unsandboxed" ? 0 : 2,
            killAll: async () => {
              await cgroup?.killAll();
            },
            async release() {
              if (!cgroup) return { reason: undefined, problem: undefined };
              const reason = await cgroup.limitReason().catch(() => undefined);
              const problem = await cgroup.dispose();
              return { reason, problem };
            },
          },
        };
      } catch (error) {
        await cgroup?.dispose();
        throw error;
      }
    },
  };
  return { prepare: (request) => sandbox.prepare(request).finally(() => options.onPrepared?.()) };
}
