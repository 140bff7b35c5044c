import type { ResourceLimits } from "./resource-limits.js";

/** One plugin's cgroup: its limits, its processes, and why the kernel killed any of them. */
export interface PluginCgroup {
  /** cgroup.procs files the launcher writes its own pid into before it execs the plugin. */
  readonly procsFiles: readonly string[];
  /** SIGKILLs every process in the cgroup (cgroup.kill where the kernel has it) and waits until it is empty (bounded). */
  killAll(): Promise<void>;
  /** Why the kernel killed a process in it ("killed: memory limit 256 MiB"), or undefined. */
  limitReason(): Promise<string | undefined>;
  /** Kills what is left and removes the cgroup. Idempotent; never throws (failures are returned for the log). */
  dispose(): Promise<string | undefined>;
}

/** Where a gateway puts its plugins' cgroups: one sub-tree per gateway process. */
export interface CgroupTree {
  readonly kind: "cgroup2" | "cgroup1";
  /** The gateway's sub-tree (v1: one per controller, comma-separated), for status and logs. */
  readonly location: string;
  /** Creates a plugin's cgroup with its limits applied; `name` must be unique within this gateway. */
  create(name: string, limits: ResourceLimits): Promise<PluginCgroup>;
  /** Removes the gateway's sub-tree when no plugin cgroup is left in it (another gateway in this process may still use it). */
  release(): Promise<void>;
}

/** The message for a memory-limit kill, the same for every backend. */
export function memoryLimitReason(limits: ResourceLimits): string {
  return `killed: memory limit ${limits.memoryMiB} MiB`;
}
