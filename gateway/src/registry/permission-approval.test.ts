import { describe, expect, it } from "vitest";
import { permissionsSchema } from "./manifest.js";
import { checkApproved, DEFAULT_GRANT, describePermissions, permissionsBeyond } from "./permission-approval.js";

const p = (raw: unknown) => permissionsSchema.parse(raw);

describe("permissionsBeyond", () => {
  it.each([
    { name: "the default grant asks nothing beyond itself", asked: {}, approved: {}, beyond: [] },
    { name: "a capability not approved", asked: { api: ["log", "kv"] }, approved: {}, beyond: ['GatewayAPI "kv"'] },
    { name: "fewer capabilities than approved", asked: { api: ["log"] }, approved: { api: ["log", "kv"] }, beyond: [] },
    { name: "network host over none", asked: { network: "host" }, approved: {}, beyond: ["network host"] },
    {
      name: "a read path not approved",
      asked: { readPaths: ["/etc/ssl"] },
      approved: { readPaths: ["/usr/share"] },
      beyond: ["read-only path /etc/ssl"],
    },
    {
      name: "a limit over the approved one",
      asked: { limits: { memoryMiB: 512 } },
      approved: { limits: { memoryMiB: 256 } },
      beyond: ["memory 512 MiB"],
    },
    {
      name: "a limit when the approval named none (gateway default)",
      asked: { limits: { processes: 64 } },
      approved: {},
      beyond: ["64 processes"],
    },
    {
      name: "a limit within the approved one",
      asked: { limits: { cpuPercent: 50 } },
      approved: { limits: { cpuPercent: 100 } },
      beyond: [],
    },
  ])("$name", ({ asked, approved, beyond }) => {
    expect(permissionsBeyond(p(asked), p(approved))).toEqual(beyond);
  });
});

describe("checkApproved and describePermissions", () => {
  it("refuses with permission_denied listing what was not approved", () => {
    expect(() => checkApproved("p.x", p({ api: ["kv", "events"] }), DEFAULT_GRANT, "no approval")).toThrow(
      /plugin p\.x asks for permissions that were not approved \(no approval\): GatewayAPI "kv", GatewayAPI "events"/,
    );
    expect(() => checkApproved("p.x", p({ api: ["log"] }), DEFAULT_GRANT, "no approval")).not.toThrow();
  });

  it("describes permissions in the words the CLI and console show", () => {
    expect(
      describePermissions(
        p({ api: ["log", "kv"], network: "host", readPaths: ["/srv"], limits: { memoryMiB: 128, openFiles: 256 } }),
      ),
    ).toEqual([
      "GatewayAPI: log, kv",
      "network: host (the machine's network)",
      "read-only paths: /srv",
      "resource limits: memory 128 MiB, 256 open files",
    ]);
  });
});
