import path from "node:path";
import { ETC_FILES, isWithin, SYSTEM_DIRS } from "./runtime-paths.js";

/** Everything that decides what one plugin's bubblewrap sandbox contains. */
export interface BwrapPlan {
  /** The plugin folder: mounted read-only, the working directory. */
  readonly pluginDir: string;
  /** The private socket directory shared with the gateway: mounted read-write. */
  readonly socketDir: string;
  /** Runtime paths (interpreter, venv, node_modules...), mounted read-only. */
  readonly runtimePaths: readonly string[];
  /** Extra read-only paths the manifest asked for (`permissions.readPaths`). */
  readonly readPaths: readonly string[];
  /** Host paths hidden (an empty tmpfs) when another mount would expose them: the data dir, the plugins folders. */
  readonly hidePaths: readonly string[];
  /** `host` shares the host's network; `none` gives the plugin a network namespace with only a loopback. */
  readonly network: "none" | "host";
  /** Host paths that are symlinks among the system dirs (/lib → usr/lib on merged-/usr hosts), with their targets. */
  readonly systemLinks: Readonly<Record<string, string>>;
  /** Drop to this uid/gid inside the sandbox (the gateway runs as root); absent: keep the gateway's. */
  readonly uid: number | undefined;
  /** setpriv, used to drop to `uid`. */
  readonly setprivPath: string;
}

/** The sandbox's host name. */
export const SANDBOX_HOSTNAME = "polyplug-plugin";

/**
 * bubblewrap arguments (up to and including the `--` before the command). The order is the
 * mount order: system directories, a private /tmp, runtime and requested paths, tmpfs over
 * hidden paths that those exposed, then the plugin folder and the socket directory last so
 * they stay visible even when they live inside a hidden path (installed plugins live in the
 * data dir). Namespaces: mount, pid (the plugin sees only its own processes, /proc/$PPID is
 * bubblewrap's init), ipc, uts, cgroup, net unless `network: "host"`. --die-with-parent and
 * --new-session; bubblewrap always sets no_new_privs.
 */
export function bwrapArgs(plan: BwrapPlan): string[] {
  const args = [
    "--die-with-parent",
    "--new-session",
    "--unshare-pid",
    "--unshare-ipc",
    "--unshare-uts",
    "--unshare-cgroup-try",
    "--hostname",
    SANDBOX_HOSTNAME,
  ];
  if (plan.network === "none") args.push("--unshare-net");
  for (const dir of SYSTEM_DIRS) {
    const target = plan.systemLinks[dir];
    if (target !== undefined) args.push("--symlink", target, dir);
    else args.push("--ro-bind-try", dir, dir);
  }
  args.push("--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/tmp");
  // bubblewrap creates missing mount points' parents 0700, which a plugin under its own uid
  // could not traverse: create them 0755 first (they are empty directories on its tmpfs root).
  const mounted = [...plan.runtimePaths, ...plan.readPaths];
  // Only hidden paths that a mount exposes get a tmpfs (the others are simply absent).
  const hidden = plan.hidePaths.filter((h) => mounted.some((p) => isWithin(h, p)));
  const targets = [...ETC_FILES, ...mounted, ...hidden, plan.pluginDir, plan.socketDir];
  for (const dir of mountParents(targets)) args.push("--perms", "0755", "--dir", dir);
  for (const file of ETC_FILES) args.push("--ro-bind-try", file, file);
  for (const p of mounted) args.push("--ro-bind", p, p);
  for (const h of hidden) args.push("--tmpfs", h);
  args.push("--ro-bind", plan.pluginDir, plan.pluginDir);
  args.push("--bind", plan.socketDir, plan.socketDir);
  args.push("--chdir", plan.pluginDir, "--setenv", "TMPDIR", "/tmp", "--setenv", "HOME", "/tmp", "--");
  if (plan.uid !== undefined) {
    args.push(
      plan.setprivPath,
      `--reuid=${plan.uid}`,
      `--regid=${plan.uid}`,
      "--clear-groups",
      "--inh-caps=-all",
      "--bounding-set=-all",
      "--no-new-privs",
      "--",
    );
  }
  return args;
}

const PREMOUNTED = ["/proc", "/dev", "/tmp"];

/** The ancestors of mount targets that bubblewrap would create, parents first. */
export function mountParents(targets: readonly string[]): string[] {
  const dirs = new Set<string>();
  for (const target of targets) {
    for (let dir = path.dirname(target); dir !== "/" && dir !== path.dirname(dir); dir = path.dirname(dir)) {
      if (PREMOUNTED.includes(dir) || SYSTEM_DIRS.some((system) => isWithin(dir, system))) continue;
      dirs.add(dir);
    }
  }
  return [...dirs].sort((a, b) => a.split("/").length - b.split("/").length || (a < b ? -1 : 1));
}
