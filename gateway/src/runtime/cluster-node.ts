import type { Logger } from "pino";
import { PolyplugError } from "../errors.js";
import { startClusterBus, type ClusterBus } from "../cluster/cluster-bus.js";
import type { ClusterMessage } from "../cluster/cluster-message.js";
import { startMembership, type ClusterNodeInfo, type Membership, type SelfReport } from "../cluster/membership.js";
import type { PostgresStore } from "../store/pg-store.js";
import { createClusterSync, type ClusterSync, type ClusterSyncDeps } from "./cluster-sync.js";

/** Cluster timing (see README "Cluster"). */
export interface ClusterTiming {
  /** Heartbeat period. Default 2000 ms. */
  readonly heartbeatMs?: number;
  /** Silence after which a node is shown dead. Default 10 000 ms. */
  readonly deadAfterMs?: number;
  /** Period of a full re-read of the shared plugin state (catches anything a lost notification missed). Default 30 000 ms. */
  readonly resyncMs?: number;
}

/** This gateway as a member of a cluster. */
export interface ClusterNode {
  readonly nodeId: string;
  readonly sync: ClusterSync;
  /** Tells the other nodes; failures are logged (the periodic resync converges them anyway). */
  announce(message: ClusterMessage): void;
  /** Sends and waits, for callers that report failure (PublishClusterMessage). */
  send(message: ClusterMessage): Promise<void>;
  nodes(): Promise<ClusterNodeInfo[]>;
  /** Heartbeats now. */
  beat(): void;
  close(): Promise<void>;
}

/** Options of startClusterNode. */
export interface ClusterNodeOptions extends Omit<ClusterSyncDeps, "bundles" | "logger"> {
  readonly store: PostgresStore;
  readonly nodeId: string;
  readonly self: SelfReport;
  readonly logger: Logger;
  readonly timing?: ClusterTiming;
}

/**
 * Joins the cluster of gateways sharing `store`: listens for cluster messages, registers
 * the node with a heartbeat, and converges this node's plugins to the shared state now,
 * after a lost LISTEN connection and every `resyncMs`.
 */
export async function startClusterNode(options: ClusterNodeOptions): Promise<ClusterNode> {
  const { store, nodeId, logger } = options;
  const log = logger.child({ source: "cluster", nodeId });
  const sync = createClusterSync({ ...options, bundles: store, logger: log });
  const bus: ClusterBus = await startClusterBus({
    url: store.url,
    pool: store.pool,
    nodeId,
    logger: log,
    onMessage: (envelope) => sync.receive(envelope),
    onResync: () => void sync.convergeAll(),
  });
  let membership: Membership;
  try {
    membership = await startMembership({
      pool: store.pool,
      nodeId,
      self: options.self,
      logger: log,
      ...options.timing,
    });
  } catch (error) {
    await bus.close();
    throw error;
  }
  await sync.convergeAll();
  const resync = setInterval(() => void sync.convergeAll().catch(() => undefined), options.timing?.resyncMs ?? 30_000);
  resync.unref();
  log.info("joined the cluster");
  return {
    nodeId,
    sync,
    announce(message) {
      bus
        .publish(message)
        .catch((error: unknown) =>
          log.warn(
            { kind: message.kind, err: PolyplugError.from(error).message },
            "could not tell the cluster; other nodes converge at their next resync",
          ),
        );
    },
    send: (message) => bus.publish(message),
    nodes: () => membership.nodes(),
    beat: () => void membership.beat().catch(() => undefined),
    async close() {
      clearInterval(resync);
      await membership.close();
      await bus.close();
    },
  };
}
