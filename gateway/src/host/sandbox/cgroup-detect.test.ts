import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCgroupMounts, parseProcCgroup } from "./cgroup-detect.js";
import { flatKeyedValue } from "./cgroup-files.js";

const HYBRID_MOUNTINFO = [
  "25 24 0:22 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755",
  "26 25 0:23 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw",
  "27 25 0:24 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct",
  "28 25 0:25 /docker/abc /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory",
  "29 25 0:26 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids",
  "30 22 8:1 / / rw - ext4 /dev/sda1 rw",
].join("\n");

describe("cgroup discovery parsers", () => {
  it("reads v1 controllers, v2 mounts and sub-tree roots from mountinfo", () => {
    expect(parseCgroupMounts(HYBRID_MOUNTINFO)).toEqual([
      { mountPoint: "/sys/fs/cgroup/unified", root: "/", version: 2, controllers: [] },
      { mountPoint: "/sys/fs/cgroup/cpu,cpuacct", root: "/", version: 1, controllers: ["cpu", "cpuacct"] },
      { mountPoint: "/sys/fs/cgroup/memory", root: "/docker/abc", version: 1, controllers: ["memory"] },
      { mountPoint: "/sys/fs/cgroup/pids", root: "/", version: 1, controllers: ["pids"] },
    ]);
  });

  it('maps each controller (and v2 under "") to the process\'s cgroup path', () => {
    const paths = parseProcCgroup("4:memory:/process_api/13df\n1:cpu,cpuacct:/\n0::/user.slice/x.scope\n");
    expect(paths.get("memory")).toBe("/process_api/13df");
    expect(paths.get("cpuacct")).toBe("/");
    expect(paths.get("")).toBe("/user.slice/x.scope");
  });

  it("never throws on arbitrary text", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        parseCgroupMounts(text);
        parseProcCgroup(text);
        expect(flatKeyedValue(text, "oom_kill")).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it("reads flat-keyed counters", () => {
    expect(flatKeyedValue("low 0\nhigh 0\nmax 3\noom 2\noom_kill 1\noom_group_kill 0\n", "oom_kill")).toBe(1);
    expect(flatKeyedValue("oom_kill_disable 0\nunder_oom 0\n", "oom_kill")).toBe(0);
  });
});
