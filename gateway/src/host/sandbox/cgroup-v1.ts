import { mkdir, rmdir } from "node:fs/promises";
import path from "node:path";
import {
  flatKeyedValue,
  killListedProcesses,
  readCgroupFile,
  removeCgroupDir,
  writeCgroupFile,
} from "./cgroup-files.js";
import { memoryLimitReason, type CgroupTree, type PluginCgroup } from "./plugin-cgroup.js";
import type { ResourceLimits } from "./resource-limits.js";

/** The v1 hierarchies a gateway uses: the directory of its own sub-tree in each. */
export interface CgroupV1Bases {
  readonly memory: string;
  readonly pids: string;
  /** Absent when the cpu controller is not mounted: CPU is then not limited (status says so). */
  readonly cpu: string | undefined;
}

/** cgroup v1 (memory, pids, cpu controllers), as on hosts that still mount the legacy hierarchies. */
export function cgroupV1Tree(bases: CgroupV1Bases): CgroupTree {
  return {
    kind: "cgroup1",
    location: [bases.memory, bases.pids, bases.cpu].filter((b) => b !== undefined).join(", "),
    async release() {
      for (const base of [bases.memory, bases.pids, bases.cpu]) if (base) await rmdir(base).catch(() => undefined);
    },
    async create(name, limits) {
      const dirs = {
        memory: path.join(bases.memory, name),
        pids: path.join(bases.pids, name),
        cpu: bases.cpu === undefined ? undefined : path.join(bases.cpu, name),
      };
      const all = [dirs.memory, dirs.pids, ...(dirs.cpu ? [dirs.cpu] : [])];
      const cgroup = v1PluginCgroup(dirs.memory, dirs.pids, all, limits);
      try {
        for (const dir of all) await mkdir(dir, { recursive: true });
        const bytes = String(limits.memoryMiB * 1024 * 1024);
        await writeCgroupFile(path.join(dirs.memory, "memory.limit_in_bytes"), bytes);
        // With swap accounting, memory+swap gets the same limit: a plugin must not swap its way past it.
        if ((await readCgroupFile(path.join(dirs.memory, "memory.memsw.limit_in_bytes"))) !== undefined) {
          await writeCgroupFile(path.join(dirs.memory, "memory.memsw.limit_in_bytes"), bytes).catch(() => undefined);
        }
        await writeCgroupFile(path.join(dirs.pids, "pids.max"), String(limits.processes));
        if (dirs.cpu) {
          await writeCgroupFile(path.join(dirs.cpu, "cpu.cfs_period_us"), "100000");
          await writeCgroupFile(path.join(dirs.cpu, "cpu.cfs_quota_us"), String(limits.cpuPercent * 1000));
        }
      } catch (error) {
        await cgroup.dispose();
        throw error;
      }
      return cgroup;
    },
  };
}

function v1PluginCgroup(
  memoryDir: string,
  pidsDir: string,
  all: readonly string[],
  limits: ResourceLimits,
): PluginCgroup {
  const killAll = async () => {
    // Every process is in all three hierarchies; the pids one is the authoritative list.
    await killListedProcesses(path.join(pidsDir, "cgroup.procs"));
    await killListedProcesses(path.join(memoryDir, "cgroup.procs"));
  };
  let disposed: Promise<string | undefined> | undefined;
  return {
    procsFiles: all.map((dir) => path.join(dir, "cgroup.procs")),
    killAll,
    async limitReason() {
      const oomControl = await readCgroupFile(path.join(memoryDir, "memory.oom_control"));
      if (oomControl === undefined) return undefined;
      // Kernels before 4.13 have no oom_kill counter; failcnt (limit hits) is the closest sign.
      const killed = /^oom_kill /m.test(oomControl)
        ? flatKeyedValue(oomControl, "oom_kill")
        : Number((await readCgroupFile(path.join(memoryDir, "memory.failcnt"))) ?? 0);
      return killed > 0 ? memoryLimitReason(limits) : undefined;
    },
    dispose() {
      disposed ??= (async () => {
        const problems: string[] = [];
        await killAll().catch((error: unknown) => problems.push((error as Error).message));
        for (const dir of all)
          await removeCgroupDir(dir).catch((error: unknown) =>
            problems.push(`cannot remove ${dir}: ${(error as Error).message}`),
          );
        return problems.length > 0 ? problems.join("; ") : undefined;
      })();
      return disposed;
    },
  };
}
