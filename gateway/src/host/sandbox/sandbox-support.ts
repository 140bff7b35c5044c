import { execFile } from "node:child_process";
import { readlink } from "node:fs/promises";
import { promisify } from "node:util";
import { detectCgroupTree } from "./cgroup-detect.js";
import type { CgroupTree } from "./plugin-cgroup.js";
import { resolveExecutable, SYSTEM_DIRS } from "./runtime-paths.js";

/**
 * `required`: every plugin runs in a sandbox; where none is available plugins are refused
 * with an error saying what to install. `auto`: sandbox when available, otherwise run
 * unsandboxed with a warning at start and in status. `off`: never sandbox (resource limits
 * and process-group hygiene still apply).
 */
export type SandboxMode = "required" | "auto" | "off";

/** The default: plugins are written by strangers; running one unsandboxed is the operator's explicit choice. */
export const DEFAULT_SANDBOX_MODE: SandboxMode = "required";

/** What isolates plugins on this machine, decided once at gateway start. */
export interface SandboxSupport {
  readonly mode: SandboxMode;
  /** `bubblewrap` when plugins run sandboxed, `none` when they run as ordinary child processes. */
  readonly isolation: "bubblewrap" | "none";
  /** How resource limits are enforced. */
  readonly limits: "cgroup2" | "cgroup1" | "rlimit";
  /** True when each plugin runs under its own unprivileged uid (the gateway runs as root). */
  readonly dedicatedUids: boolean;
  /** Why isolation is `none` although the mode asks for a sandbox (shown in status, refused with under `required`). */
  readonly unavailableReason: string | undefined;
  /** Degraded states for the start-up log and status, one sentence each. */
  readonly warnings: readonly string[];
  readonly cgroup: CgroupTree | undefined;
  readonly bwrapPath: string | undefined;
  readonly setprivPath: string | undefined;
  readonly prlimitPath: string | undefined;
  /** System dirs that are symlinks here (merged /usr): path → link text. */
  readonly systemLinks: Readonly<Record<string, string>>;
}

const run = promisify(execFile);

async function probeBwrap(bwrap: string, asRoot: boolean): Promise<string | undefined> {
  const args = [
    "--ro-bind",
    "/",
    "/",
    "--unshare-pid",
    "--unshare-net",
    "--unshare-ipc",
    "--unshare-uts",
    "--die-with-parent",
    "--new-session",
  ];
  if (!asRoot) args.push("--unshare-user", "--disable-userns");
  try {
    await run(bwrap, [...args, "--", "/bin/true"], { timeout: 10_000 });
    return undefined;
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? "").trim();
    return `bubblewrap (${bwrap}) cannot create namespaces here: ${stderr || (error as Error).message}${asRoot ? "" : " (unprivileged user namespaces may be disabled: sysctl kernel.unprivileged_userns_clone / user.max_user_namespaces)"}`;
  }
}

/**
 * Finds the sandbox and limit mechanisms this machine offers: bubblewrap (Debian package
 * `bubblewrap`) with working namespaces, setpriv to drop to a per-plugin uid when running as
 * root, cgroups (v2, else v1) for limits, prlimit for open files and as the rlimit fallback.
 */
export async function detectSandboxSupport(
  mode: SandboxMode,
  options: { readonly searchPath?: string | undefined } = {},
): Promise<SandboxSupport> {
  const searchPath = options.searchPath ?? process.env.PATH;
  const warnings: string[] = [];
  const asRoot = process.getuid?.() === 0;
  const find = (name: string) =>
    process.platform === "linux"
      ? resolveExecutable(name, `${searchPath ?? ""}:/usr/bin:/bin`)
      : Promise.resolve(undefined);
  // Side by side, they are waits on the file system (issue 17, row 4: the probe is on the way to
  // the first plugin's launch); `off` never uses bubblewrap or the system links it mounts.
  const sandboxed = mode !== "off";
  const [bwrapPath, setprivPath, prlimitPath, cgroups, systemLinks] = await Promise.all([
    sandboxed ? find("bwrap") : Promise.resolve(undefined),
    find("setpriv"),
    find("prlimit"),
    detectCgroupTree(),
    sandboxed ? readSystemLinks() : Promise.resolve({}),
  ]);
  let unavailableReason: string | undefined;
  if (mode !== "off") {
    if (process.platform !== "linux")
      unavailableReason = `plugin sandboxing needs Linux (bubblewrap); this is ${process.platform}`;
    else if (!bwrapPath) unavailableReason = "bubblewrap is not installed (apt-get install bubblewrap)";
    else if (asRoot && !setprivPath)
      unavailableReason = "setpriv (util-linux) is missing: it drops each sandboxed plugin to its own uid";
    else unavailableReason = await probeBwrap(bwrapPath, asRoot);
  }
  const isolation = mode !== "off" && unavailableReason === undefined ? "bubblewrap" : "none";
  if (mode === "off")
    warnings.push(
      "plugin sandbox is off (sandbox.mode: off): plugins run unsandboxed with the gateway's user, files and environment",
    );
  else if (isolation === "none") warnings.push(`plugin sandbox unavailable: ${unavailableReason}`);

  const limits = cgroups.tree?.kind ?? "rlimit";
  if (!cgroups.tree) {
    warnings.push(
      `resource limits fall back to rlimits (${cgroups.reason}): CPU is not limited, memory is RLIMIT_DATA per process${asRoot && isolation === "bubblewrap" ? "" : ", the process count is not limited"}`,
    );
  }
  if (!prlimitPath) warnings.push("prlimit (util-linux) is missing: open-file limits are not applied");

  return {
    mode,
    isolation,
    limits,
    dedicatedUids: isolation === "bubblewrap" && asRoot,
    unavailableReason: mode === "off" ? "sandbox.mode is off" : unavailableReason,
    warnings,
    cgroup: cgroups.tree,
    bwrapPath,
    setprivPath,
    prlimitPath,
    systemLinks,
  };
}

/** Where the system folders that are symbolic links (/bin → usr/bin on merged-/usr systems) point: bubblewrap mounts them as links. */
async function readSystemLinks(): Promise<Record<string, string>> {
  const targets = await Promise.all(SYSTEM_DIRS.map((dir) => readlink(dir).catch(() => undefined)));
  return Object.fromEntries(
    SYSTEM_DIRS.flatMap((dir, index) => (targets[index] === undefined ? [] : [[dir, targets[index]]])),
  );
}
