import { mkdir, readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { cgroupPids, readCgroupFile, removeCgroupDir, writeCgroupFile } from "./cgroup-files.js";
import { cgroupV1Tree } from "./cgroup-v1.js";
import { CGROUP_V2_CONTROLLERS, cgroupV2Tree, v2PluginCgroup } from "./cgroup-v2.js";
import type { CgroupTree } from "./plugin-cgroup.js";
import { processAlive } from "../process-alive.js";

/** A cgroup file system as /proc/self/mountinfo lists it. */
export interface CgroupMount {
  readonly mountPoint: string;
  /** The hierarchy path mounted there ("/" unless the mount is a sub-tree). */
  readonly root: string;
  readonly version: 1 | 2;
  /** v1: the controllers of this hierarchy. */
  readonly controllers: readonly string[];
}

const unescapeOctal = (field: string) =>
  field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));

/** The cgroup mounts in a /proc/self/mountinfo text. */
export function parseCgroupMounts(mountinfo: string): CgroupMount[] {
  const mounts: CgroupMount[] = [];
  for (const line of mountinfo.split("\n")) {
    const [left, right] = line.split(" - ");
    if (!left || !right) continue;
    const fields = left.split(" ");
    const [fsType, , superOptions = ""] = right.split(" ");
    const root = unescapeOctal(fields[3] ?? "/");
    const mountPoint = unescapeOctal(fields[4] ?? "");
    if (fsType === "cgroup2") mounts.push({ mountPoint, root, version: 2, controllers: [] });
    if (fsType === "cgroup")
      mounts.push({
        mountPoint,
        root,
        version: 1,
        controllers: superOptions.split(",").filter((o) => /^[a-z_]+$/.test(o) && o !== "rw" && o !== "ro"),
      });
  }
  return mounts;
}

/** The process's cgroup path per v1 controller, and its v2 path under the key "". */
export function parseProcCgroup(text: string): Map<string, string> {
  const paths = new Map<string, string>();
  for (const line of text.split("\n")) {
    const match = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!match) continue;
    const [, controllers = "", cgroupPath = "/"] = match;
    if (controllers === "") paths.set("", cgroupPath);
    for (const controller of controllers.split(",")) if (controller) paths.set(controller, cgroupPath);
  }
  return paths;
}

function dirOf(mount: CgroupMount, cgroupPath: string): string {
  const relative =
    mount.root !== "/" && cgroupPath.startsWith(mount.root) ? cgroupPath.slice(mount.root.length) : cgroupPath;
  return path.join(mount.mountPoint, relative);
}

const GATEWAY_DIR = /^polyplug-(\d+)$/;

/**
 * Removes the sub-trees of gateways that died without cleaning up (SIGKILL, power loss):
 * anything still running in them is a plugin or a child of one that outlived its gateway.
 */
async function reapDeadGateways(parent: string, v2: boolean): Promise<void> {
  const entries = await readdir(parent, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const pid = GATEWAY_DIR.exec(entry.name)?.[1];
    if (!entry.isDirectory() || pid === undefined || processAlive(Number(pid))) continue;
    const gatewayDir = path.join(parent, entry.name);
    for (const child of await readdir(gatewayDir, { withFileTypes: true }).catch(() => [])) {
      if (!child.isDirectory()) continue;
      if (v2) await v2PluginCgroup(path.join(gatewayDir, child.name), undefined).dispose();
      else {
        for (const pidToKill of await cgroupPids(path.join(gatewayDir, child.name, "cgroup.procs"))) {
          try {
            process.kill(pidToKill, "SIGKILL");
          } catch {
            // gone
          }
        }
        await removeCgroupDir(path.join(gatewayDir, child.name)).catch(() => undefined);
      }
    }
    await removeCgroupDir(gatewayDir).catch(() => undefined);
  }
}

/** A cgroup tree for this gateway's plugins, or why there is none. */
export type CgroupDetection =
  | { readonly tree: CgroupTree; readonly reason?: undefined }
  | { readonly tree?: undefined; readonly reason: string };

async function openV2(mount: CgroupMount, ownPath: string): Promise<CgroupDetection> {
  const own = dirOf(mount, ownPath);
  const available = ((await readCgroupFile(path.join(own, "cgroup.controllers"))) ?? "").trim().split(/\s+/);
  const missing = CGROUP_V2_CONTROLLERS.filter((c) => !available.includes(c));
  if (missing.length > 0)
    return { reason: `cgroup v2 at ${own} does not delegate the ${missing.join(", ")} controller(s)` };
  const enable = CGROUP_V2_CONTROLLERS.map((c) => `+${c}`).join(" ");
  try {
    await writeCgroupFile(path.join(own, "cgroup.subtree_control"), enable);
  } catch {
    // v2 forbids processes in a cgroup that hands controllers to children. When the gateway is
    // alone in its cgroup (a systemd service), it moves itself into a leaf and tries again.
    const procs = await cgroupPids(path.join(own, "cgroup.procs"));
    if (procs.some((pid) => pid !== process.pid)) {
      return {
        reason: `cgroup v2: cannot enable controllers in ${own} because other processes share the gateway's cgroup; run the gateway in a cgroup of its own (e.g. a systemd service with Delegate=yes)`,
      };
    }
    const leaf = path.join(own, `polyplug-gateway-${process.pid}`);
    try {
      await mkdir(leaf, { recursive: true });
      await writeCgroupFile(path.join(leaf, "cgroup.procs"), String(process.pid));
      await writeCgroupFile(path.join(own, "cgroup.subtree_control"), enable);
    } catch (error) {
      return { reason: `cgroup v2: cannot delegate controllers below ${own}: ${(error as Error).message}` };
    }
  }
  await reapDeadGateways(own, true);
  const base = path.join(own, `polyplug-${process.pid}`);
  try {
    await mkdir(base, { recursive: true });
    await writeCgroupFile(path.join(base, "cgroup.subtree_control"), enable);
  } catch (error) {
    return { reason: `cgroup v2: cannot create ${base}: ${(error as Error).message}` };
  }
  return { tree: cgroupV2Tree(base) };
}

async function openV1(mounts: readonly CgroupMount[], paths: Map<string, string>): Promise<CgroupDetection> {
  const baseFor = async (controller: string): Promise<string | undefined> => {
    const mount = mounts.find((m) => m.version === 1 && m.controllers.includes(controller));
    const ownPath = paths.get(controller);
    if (!mount || ownPath === undefined) return undefined;
    const own = dirOf(mount, ownPath);
    await reapDeadGateways(own, false);
    const base = path.join(own, `polyplug-${process.pid}`);
    await mkdir(base, { recursive: true });
    return base;
  };
  try {
    const memory = await baseFor("memory");
    const pids = await baseFor("pids");
    if (!memory || !pids) return { reason: "no cgroup v1 memory and pids hierarchies are mounted" };
    return { tree: cgroupV1Tree({ memory, pids, cpu: await baseFor("cpu") }) };
  } catch (error) {
    return { reason: `cgroup v1: cannot create the gateway's cgroups: ${(error as Error).message}` };
  }
}

/**
 * Finds where this gateway may create its plugins' cgroups: cgroup v2 when the unified
 * hierarchy has the memory, pids and cpu controllers (current hosts), else the v1 memory,
 * pids (and cpu) hierarchies (older hosts, and this project's CI machine). Plugin cgroups go
 * below the gateway's own cgroup, in `polyplug-<gateway pid>/`, so they count against
 * whatever limits the gateway itself runs under; sub-trees of dead gateways are reaped.
 */
export async function detectCgroupTree(): Promise<CgroupDetection> {
  if (process.platform !== "linux") return { reason: `cgroups are Linux-only (this is ${process.platform})` };
  let mounts: CgroupMount[];
  let paths: Map<string, string>;
  try {
    mounts = parseCgroupMounts(await readFile("/proc/self/mountinfo", "utf8"));
    paths = parseProcCgroup(await readFile("/proc/self/cgroup", "utf8"));
  } catch (error) {
    return { reason: `cannot read /proc/self/mountinfo or /proc/self/cgroup: ${(error as Error).message}` };
  }
  const unified = mounts.find((m) => m.version === 2);
  const v2Path = paths.get("");
  let v2Reason = "no cgroup v2 hierarchy is mounted";
  if (unified && v2Path !== undefined) {
    const v2 = await openV2(unified, v2Path);
    if (v2.tree) return v2;
    v2Reason = v2.reason;
  }
  const v1 = await openV1(mounts, paths);
  if (v1.tree) return v1;
  return { reason: `${v2Reason}; ${v1.reason}` };
}
