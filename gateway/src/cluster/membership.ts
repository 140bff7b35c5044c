import type pg from "pg";
import type { Logger } from "pino";
import { PolyplugError } from "../errors.js";
import { pgGuarded } from "../store/pg-errors.js";

/** Default heartbeat period of a node. */
export const DEFAULT_HEARTBEAT_MS = 2000;
/** Default silence after which a node counts as dead: five missed heartbeats. */
export const DEFAULT_DEAD_AFTER_MS = 10_000;
/** Nodes not seen for this long are forgotten (deleted from the nodes table). */
export const FORGET_NODE_AFTER_MS = 24 * 60 * 60_000;

/** One plugin as a node runs it. */
export interface NodePluginState {
  readonly pluginId: string;
  readonly version: string;
  readonly state: string;
}

/** A node as the cluster sees it. */
export interface ClusterNodeInfo {
  readonly nodeId: string;
  readonly publicUrl: string;
  readonly adminUrl: string;
  readonly version: string;
  /** Epoch milliseconds. */
  readonly startedAt: number;
  /** Epoch milliseconds of its last heartbeat (database clock). */
  readonly lastSeen: number;
  /** `alive`; `dead` when it missed heartbeats for longer than the dead-after interval; `stopped` after a clean shutdown. */
  readonly status: "alive" | "dead" | "stopped";
  readonly plugins: readonly NodePluginState[];
}

/** What this node reports about itself. */
export interface SelfReport {
  readonly publicUrl: string;
  readonly adminUrl: string;
  readonly version: string;
  plugins(): NodePluginState[];
}

/** Options of startMembership. */
export interface MembershipOptions {
  readonly pool: pg.Pool;
  readonly nodeId: string;
  readonly self: SelfReport;
  readonly logger: Logger;
  readonly heartbeatMs?: number;
  readonly deadAfterMs?: number;
}

/** This node's registration in the nodes table. */
export interface Membership {
  /** Every node the cluster knows, this one included, by node id. */
  nodes(): Promise<ClusterNodeInfo[]>;
  /** Writes a heartbeat now (e.g. after a plugin state change). */
  beat(): Promise<void>;
  /** Marks this node stopped and ends the heartbeat. */
  close(): Promise<void>;
}

interface NodeRow {
  readonly node_id: string;
  readonly public_url: string;
  readonly admin_url: string;
  readonly version: string;
  readonly started_at: Date;
  readonly last_seen: Date;
  readonly stopped: boolean;
  readonly dead: boolean;
  readonly plugins: NodePluginState[];
}

/**
 * Registers the node (upsert into `cluster_nodes`) and heartbeats every `heartbeatMs`
 * with its plugins' states. Liveness is judged with the database's clock, so nodes'
 * clocks need not agree: a node whose last heartbeat is older than `deadAfterMs` is dead.
 */
export async function startMembership(options: MembershipOptions): Promise<Membership> {
  const { pool, nodeId, self, logger } = options;
  const deadAfterMs = options.deadAfterMs ?? DEFAULT_DEAD_AFTER_MS;
  const startedAt = new Date();
  let stopped = false;
  const beat = pgGuarded("cluster heartbeat", async () => {
    if (stopped) return;
    await pool.query(
      `INSERT INTO cluster_nodes (node_id, public_url, admin_url, version, started_at, last_seen, stopped, plugins)
       VALUES ($1, $2, $3, $4, $5, now(), false, $6)
       ON CONFLICT (node_id) DO UPDATE SET public_url = excluded.public_url, admin_url = excluded.admin_url, version = excluded.version,
         started_at = excluded.started_at, last_seen = now(), stopped = false, plugins = excluded.plugins`,
      [nodeId, self.publicUrl, self.adminUrl, self.version, startedAt, JSON.stringify(self.plugins())],
    );
  });
  await beat();
  await pool
    .query("DELETE FROM cluster_nodes WHERE last_seen < now() - make_interval(secs => $1)", [
      FORGET_NODE_AFTER_MS / 1000,
    ])
    .catch(() => undefined);
  let failing = false;
  const timer = setInterval(() => {
    beat().then(
      () => {
        if (failing) logger.info("cluster heartbeat works again");
        failing = false;
      },
      (error: unknown) => {
        if (!failing)
          logger.warn(
            { err: PolyplugError.from(error).message },
            "cluster heartbeat failed; other nodes will mark this one dead if it lasts",
          );
        failing = true;
      },
    );
  }, options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
  timer.unref();

  return {
    beat,
    nodes: pgGuarded("cluster nodes read", async () => {
      const { rows } = await pool.query<NodeRow>(
        `SELECT node_id, public_url, admin_url, version, started_at, last_seen, stopped, plugins,
                last_seen < now() - make_interval(secs => $1) AS dead
         FROM cluster_nodes ORDER BY started_at, node_id`,
        [deadAfterMs / 1000],
      );
      return rows.map((row) => ({
        nodeId: row.node_id,
        publicUrl: row.public_url,
        adminUrl: row.admin_url,
        version: row.version,
        startedAt: row.started_at.getTime(),
        lastSeen: row.last_seen.getTime(),
        status: row.stopped ? "stopped" : row.dead ? "dead" : "alive",
        plugins: row.plugins,
      }));
    }),
    async close() {
      clearInterval(timer);
      stopped = true;
      await pool
        .query("UPDATE cluster_nodes SET stopped = true, last_seen = now() WHERE node_id = $1", [nodeId])
        .catch(() => undefined);
    },
  };
}
