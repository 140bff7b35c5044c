import { mkdir, rmdir } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  CGROUP_EMPTY_WAIT_MS,
  flatKeyedValue,
  killListedProcesses,
  readCgroupFile,
  removeCgroupDir,
  writeCgroupFile,
} from "./cgroup-files.js";
import { memoryLimitReason, type CgroupTree, type PluginCgroup } from "./plugin-cgroup.js";
import type { ResourceLimits } from "./resource-limits.js";

/** The controllers a v2 plugin cgroup needs. */
export const CGROUP_V2_CONTROLLERS = ["memory", "pids", "cpu"] as const;

/** cgroup v2 (the unified hierarchy of current hosts); `base` is the gateway's sub-tree, controllers already delegated to it. */
export function cgroupV2Tree(base: string): CgroupTree {
  return {
    kind: "cgroup2",
    location: base,
    async release() {
      await rmdir(base).catch(() => undefined);
    },
    async create(name, limits) {
      const dir = path.join(base, name);
      const cgroup = v2PluginCgroup(dir, limits);
      try {
        await mkdir(dir);
        await writeCgroupFile(path.join(dir, "memory.max"), String(limits.memoryMiB * 1024 * 1024));
        await writeCgroupFile(path.join(dir, "memory.swap.max"), "0").catch(() => undefined);
        // One OOM kill takes the whole plugin down, not a random child of it.
        await writeCgroupFile(path.join(dir, "memory.oom.group"), "1").catch(() => undefined);
        await writeCgroupFile(path.join(dir, "pids.max"), String(limits.processes));
        await writeCgroupFile(path.join(dir, "cpu.max"), `${limits.cpuPercent * 1000} 100000`);
      } catch (error) {
        await cgroup.dispose();
        throw error;
      }
      return cgroup;
    },
  };
}

async function waitEmpty(dir: string): Promise<boolean> {
  const until = Date.now() + CGROUP_EMPTY_WAIT_MS;
  while (Date.now() < until) {
    const events = await readCgroupFile(path.join(dir, "cgroup.events"));
    if (events === undefined || flatKeyedValue(events, "populated") === 0) return true;
    await sleep(10);
  }
  return false;
}

/** A plugin cgroup in a v2 hierarchy (also usable without controllers, for tracking and cgroup.kill). */
export function v2PluginCgroup(dir: string, limits: ResourceLimits | undefined): PluginCgroup {
  const procs = path.join(dir, "cgroup.procs");
  const killAll = async () => {
    const hasKill = (await readCgroupFile(path.join(dir, "cgroup.kill"))) !== undefined;
    if (hasKill) await writeCgroupFile(path.join(dir, "cgroup.kill"), "1").catch(() => undefined);
    if (!hasKill || !(await waitEmpty(dir))) await killListedProcesses(procs);
  };
  let disposed: Promise<string | undefined> | undefined;
  return {
    procsFiles: [procs],
    killAll,
    async limitReason() {
      if (!limits) return undefined;
      const events = await readCgroupFile(path.join(dir, "memory.events"));
      return flatKeyedValue(events, "oom_kill") > 0 || flatKeyedValue(events, "oom_group_kill") > 0
        ? memoryLimitReason(limits)
        : undefined;
    },
    dispose() {
      disposed ??= (async () => {
        const problems: string[] = [];
        await killAll().catch((error: unknown) => problems.push((error as Error).message));
        await removeCgroupDir(dir).catch((error: unknown) =>
          problems.push(`cannot remove ${dir}: ${(error as Error).message}`),
        );
        return problems.length > 0 ? problems.join("; ") : undefined;
      })();
      return disposed;
    },
  };
}
