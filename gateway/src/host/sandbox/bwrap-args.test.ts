import { describe, expect, it } from "vitest";
import { bwrapArgs, mountParents, type BwrapPlan } from "./bwrap-args.js";

const plan: BwrapPlan = {
  pluginDir: "/srv/data/plugins/p1",
  socketDir: "/tmp/polyplug-abc",
  runtimePaths: ["/opt/venv"],
  readPaths: ["/srv/shared"],
  hidePaths: ["/srv/data", "/elsewhere"],
  network: "none",
  systemLinks: { "/lib": "usr/lib" },
  uid: 2_100_000_042,
  setprivPath: "/usr/bin/setpriv",
};

/** The index of `a` followed by `b` in args (a flag and its value), or -1. */
const at = (args: string[], ...seq: string[]) => args.findIndex((_, i) => seq.every((s, j) => args[i + j] === s));

describe("bwrapArgs", () => {
  it("unshares pid, ipc, uts and the network, dies with its parent in a new session", () => {
    const args = bwrapArgs(plan);
    for (const flag of [
      "--unshare-pid",
      "--unshare-ipc",
      "--unshare-uts",
      "--unshare-net",
      "--die-with-parent",
      "--new-session",
    ])
      expect(args).toContain(flag);
    expect(bwrapArgs({ ...plan, network: "host" })).not.toContain("--unshare-net");
  });

  it("mounts the plugin folder read-only after hiding the data dir a mount exposes, and the socket dir read-write", () => {
    const args = bwrapArgs({ ...plan, readPaths: ["/srv"] });
    const hide = at(args, "--tmpfs", "/srv/data");
    const own = at(args, "--ro-bind", plan.pluginDir, plan.pluginDir);
    expect(hide).toBeGreaterThan(at(args, "--ro-bind", "/srv", "/srv"));
    expect(own).toBeGreaterThan(hide);
    expect(at(args, "--bind", plan.socketDir, plan.socketDir)).toBeGreaterThan(at(args, "--tmpfs", "/tmp"));
    // A hidden path no mount exposes is simply absent: no tmpfs, no mention.
    expect(args).not.toContain("/elsewhere");
  });

  it("creates mount points' parents 0755 (traversable by the plugin's uid) after the private /tmp", () => {
    const args = bwrapArgs(plan);
    expect(at(args, "--perms", "0755", "--dir", "/srv/data")).toBeGreaterThan(
      at(args, "--perms", "1777", "--tmpfs", "/tmp"),
    );
    expect(mountParents(["/a/b/c", "/tmp/x/y", "/usr/lib/z"])).toEqual(["/a", "/a/b", "/tmp/x"]);
  });

  it("keeps merged-/usr symlinks and drops to the plugin's uid with setpriv", () => {
    const args = bwrapArgs(plan);
    expect(at(args, "--symlink", "usr/lib", "/lib")).toBeGreaterThanOrEqual(0);
    const tail = args.slice(args.indexOf("--") + 1);
    expect(tail).toEqual([
      "/usr/bin/setpriv",
      "--reuid=2100000042",
      "--regid=2100000042",
      "--clear-groups",
      "--inh-caps=-all",
      "--bounding-set=-all",
      "--no-new-privs",
      "--",
    ]);
    expect(bwrapArgs({ ...plan, uid: undefined }).at(-1)).toBe("--");
  });
});
