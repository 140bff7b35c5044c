// The cluster's done-when: three real `polyplug serve` processes on loopback sharing one
// throwaway PostgreSQL. Install through one node's Admin API → active on all three; KV
// written through a plugin on one node read through another; a plugin event published on
// one node reaches a WebSocket client of another; kill -9 of a node mid-traffic loses no
// acknowledged write while the others keep serving; the restarted node converges (to an
// upgrade installed while it was down).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { subscribeEvents } from "../event-socket.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startThrowawayPostgres, type ThrowawayPostgres } from "../../../.ci/postgres.mjs";
import { NodeStatus, PluginState } from "@polyplug/sdk/internal/gen/polyplug/v1/admin_pb.js";
import { packBundle } from "../../src/registry/bundle.js";
import { scriptedFolder } from "../admin/admin-harness.js";
import { postgresSkipReason } from "../store/postgres-fixture.js";
import { kvThrough, callGateway, startClusterNode, type ClusterNodeProcess } from "./cluster-harness.js";

const PLUGIN = "p.cluster";

describe.skipIf(postgresSkipReason !== undefined)(
  `cluster of three gateways on one PostgreSQL${postgresSkipReason ? ` (SKIPPED: ${postgresSkipReason})` : ""}`,
  () => {
    let pg: ThrowawayPostgres;
    let root: string;
    const nodes: ClusterNodeProcess[] = [];
    const node = (i: number): ClusterNodeProcess => {
      const found = nodes[i];
      if (!found) throw new Error(`no node ${i}`);
      return found;
    };

    beforeAll(async () => {
      pg = await startThrowawayPostgres();
      root = mkdtempSync(path.join(tmpdir(), "polyplug-cluster-"));
      // One after the other would hide the migration race; start them together.
      nodes.push(
        ...(await Promise.all(["node-1", "node-2", "node-3"].map((id) => startClusterNode(root, id, pg.url)))),
      );
    }, 180_000);

    afterAll(async () => {
      for (const n of nodes) n.process.kill("SIGTERM");
      await Promise.all(
        nodes.map((n) => Promise.race([n.exited, new Promise((resolve) => setTimeout(resolve, 15_000))])),
      );
      for (const n of nodes) n.process.kill("SIGKILL");
      await pg?.stop();
      if (root) rmSync(root, { recursive: true, force: true });
    }, 60_000);

    /** Polls every node's own GetStatus until `plugin` is active there at `version`. */
    async function activeEverywhere(which: readonly ClusterNodeProcess[], version: string): Promise<void> {
      for (const n of which) {
        await expect
          .poll(
            async () => {
              const status = await n.admin.getStatus({});
              const plugin = status.plugins.find((p) => p.id === PLUGIN);
              return plugin ? `${plugin.version}:${PluginState[plugin.state]}` : "absent";
            },
            { timeout: 60_000, interval: 250, message: `${PLUGIN} ${version} active on ${n.nodeId}` },
          )
          .toBe(`${version}:ACTIVE`);
      }
    }

    const PERMISSIONS = ["log", "config", "kv", "events"];
    /** InstallPlugin through `on`, approving what the bundle asks. */
    const install = async (on: ClusterNodeProcess, version: string, api: readonly string[] = PERMISSIONS) =>
      on.admin.installPlugin({
        bundle: await bundle(version, api),
        approvedPermissions: { api: [...api], network: "none" },
      });

    async function bundle(version: string, api: readonly string[] = PERMISSIONS): Promise<Uint8Array> {
      const dir = scriptedFolder(path.join(root, `src-${version}`), PLUGIN, version, { permissions: { api } });
      const out = path.join(root, `${PLUGIN}-${version}.tar.gz`);
      await packBundle(dir, out);
      return new Uint8Array(readFileSync(out));
    }

    it("lists all three nodes alive, each with its own id", async () => {
      await expect
        .poll(
          async () =>
            (await node(0).admin.getStatus({})).nodes
              .filter((n) => n.status === NodeStatus.ALIVE)
              .map((n) => n.nodeId)
              .sort(),
          { timeout: 30_000 },
        )
        .toEqual(["node-1", "node-2", "node-3"]);
      expect((await node(2).admin.getStatus({})).nodeId).toBe("node-3");
    });

    it("installs a plugin through node 1's Admin API and runs it on all three", async () => {
      const answer = await install(node(0), "1.0.0");
      expect(answer.plugin?.version).toBe("1.0.0");
      await activeEverywhere(nodes, "1.0.0");
      // Each node's heartbeat reports the plugin's state on it.
      await expect
        .poll(
          async () =>
            (await node(1).admin.getStatus({})).nodes
              .map(
                (n) =>
                  `${n.nodeId}:${n.plugins.map((p) => `${p.pluginId}@${p.version}=${PluginState[p.state]}`).join(",")}`,
              )
              .sort(),
          { timeout: 30_000 },
        )
        .toEqual(["node-1:p.cluster@1.0.0=ACTIVE", "node-2:p.cluster@1.0.0=ACTIVE", "node-3:p.cluster@1.0.0=ACTIVE"]);
    });

    it("KV written through the plugin on node 1 is read through the plugin on node 3", async () => {
      expect(await kvThrough(node(0), "set", "shared", "written on node-1")).toBe(true);
      expect(await kvThrough(node(2), "get", "shared")).toBe("written on node-1");
    });

    it("an event the plugin publishes on node 2 reaches a WebSocket client of node 1", async () => {
      const { socket, events } = await subscribeEvents(node(0).publicUrl);
      try {
        await callGateway(node(1), "Notify", { topic: "test.cluster_ping", payload: { from: "node-2" } });
        await expect
          .poll(
            () => events.find((e) => (e.payload as Record<string, unknown> | undefined)?.topic === "test.cluster_ping"),
            { timeout: 30_000 },
          )
          .toMatchObject({
            type: "event",
            event: `${PLUGIN}.notified`,
          });
      } finally {
        socket.close();
      }
    });

    it("kill -9 of node 2 mid-traffic loses no acknowledged write; the others keep serving; restarted, it converges", async () => {
      const acked: string[] = [];
      let stop = false;
      let writes = 0;
      const writer = async (target: number) => {
        while (!stop) {
          const key = `w-${target}-${writes++}`;
          try {
            if ((await kvThrough(node(target), "set", key, `v:${key}`)) === true) acked.push(key);
          } catch {
            // Not acknowledged (the node died mid-call): may or may not be stored, never counted.
            if (target === 1) await new Promise((resolve) => setTimeout(resolve, 50));
          }
        }
      };
      const traffic = [0, 1, 2].map(writer);
      await expect
        .poll(() => acked.filter((key) => key.startsWith("w-1-")).length, { timeout: 60_000 })
        .toBeGreaterThan(20);
      node(1).process.kill("SIGKILL");
      await node(1).exited;
      const afterKill = acked.length;
      // The others keep serving writes after the kill.
      await expect.poll(() => acked.length, { timeout: 60_000 }).toBeGreaterThan(afterKill + 30);
      stop = true;
      await Promise.all(traffic);

      for (const key of acked)
        expect(await kvThrough(node(key.startsWith("w-0-") ? 2 : 0), "get", key), key).toBe(`v:${key}`);
      // The survivors see node 2 dead once it missed its heartbeats (10 s).
      await expect
        .poll(async () => (await node(0).admin.getStatus({})).nodes.find((n) => n.nodeId === "node-2")?.status, {
          timeout: 60_000,
          interval: 500,
        })
        .toBe(NodeStatus.DEAD);

      // While node 2 is down, the cluster is upgraded through node 3.
      await install(node(2), "1.1.0");
      await activeEverywhere([node(0), node(2)], "1.1.0");

      nodes[1] = await startClusterNode(root, "node-2", pg.url);
      await activeEverywhere([node(1)], "1.1.0");
      await expect
        .poll(async () => (await node(0).admin.getStatus({})).nodes.find((n) => n.nodeId === "node-2")?.status, {
          timeout: 30_000,
        })
        .toBe(NodeStatus.ALIVE);
      expect(await kvThrough(node(1), "get", "shared")).toBe("written on node-1");
    });

    it("a plugin's cluster message (over 8000 bytes) reaches its copies on the other nodes (OnClusterMessage), only with the cluster permission", async () => {
      const { socket, events } = await subscribeEvents(node(0).publicUrl);
      const received = () =>
        events
          .filter((frame) => frame.event === `${PLUGIN}.cluster_received`)
          .map((frame) => frame.payload as Record<string, unknown>);
      try {
        // 1.1.0 was not granted "cluster": the call is refused, nobody receives anything.
        const denied = await callGateway(node(0), "Intercept", { topic: "test.cluster_send", payload: { n: 1 } });
        expect(JSON.stringify(denied)).toMatch(/PERMISSION_DENIED|permission_denied|may not send cluster messages/);
        await install(node(0), "1.2.0", [...PERMISSIONS, "cluster"]);
        await activeEverywhere(nodes, "1.2.0");
        // Over NOTIFY's 8000-byte limit both ways (the message, then the events it causes): stored and referenced.
        const big = "x".repeat(20_000);
        const sent = await callGateway(node(0), "Intercept", { topic: "test.cluster_send", payload: { n: 2, big } });
        expect(sent.payload).toEqual({ sent: true });
        // The copies on node-2 and node-3 got it from node-1 (their events reach node-1's clients through the cluster too).
        await expect.poll(() => received().length, { timeout: 30_000 }).toBe(2);
        expect(received().every((event) => event.from_node === "node-1" && event.topic === "ping")).toBe(true);
        expect(received()[0]?.payload).toEqual({ n: 2, big });
      } finally {
        socket.close();
      }
    });

    it("disabling on one node stops the plugin on every node; enabling starts it again", async () => {
      await node(2).admin.disablePlugin({ pluginId: PLUGIN });
      for (const n of nodes) {
        await expect
          .poll(async () => (await n.admin.getStatus({})).plugins.find((p) => p.id === PLUGIN)?.state, {
            timeout: 30_000,
          })
          .toBe(PluginState.NOT_RUNNING);
      }
      await node(0).admin.enablePlugin({ pluginId: PLUGIN });
      await activeEverywhere(nodes, "1.2.0");
    });
  },
);
