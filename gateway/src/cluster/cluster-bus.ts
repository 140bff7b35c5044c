import pg from "pg";
import type { Logger } from "pino";
import { ErrorCode, PolyplugError } from "../errors.js";
import { pgOperationError } from "../store/pg-errors.js";
import { parseEnvelope, type ClusterEnvelope, type ClusterMessage } from "./cluster-message.js";

/** The NOTIFY channel every gateway of a cluster listens on. */
export const CLUSTER_CHANNEL = "polyplug_cluster";
/**
 * Largest envelope sent inline. PostgreSQL refuses NOTIFY payloads of 8000 bytes or more;
 * bigger envelopes are stored in `cluster_payloads` and the notification carries the row id.
 */
export const MAX_INLINE_NOTIFY_BYTES = 7900;
/** Most bytes of one envelope (a plugin event payload is at most 8 MiB serialized; its JSON and the rest fit in 16). */
export const MAX_CLUSTER_MESSAGE_BYTES = 16 * 1024 * 1024;
/** How long stored envelopes are kept for late readers before the cleanup deletes them. */
export const CLUSTER_PAYLOAD_RETENTION_MS = 5 * 60_000;

/** Options of startClusterBus. */
export interface ClusterBusOptions {
  /** Connection string of the shared database (the bus holds one connection of its own for LISTEN). */
  readonly url: string;
  /** Pool for NOTIFY and the stored payloads. */
  readonly pool: pg.Pool;
  readonly nodeId: string;
  readonly logger: Logger;
  /** Called with every message another node sent. */
  onMessage(envelope: ClusterEnvelope): void;
  /** Called after the LISTEN connection was re-established: messages may have been missed, so re-read the shared state. */
  onResync(): void;
  /** Delay before reconnecting a lost LISTEN connection. Default 1000 ms. */
  readonly reconnectMs?: number;
}

/** LISTEN/NOTIFY between the gateways sharing a database. */
export interface ClusterBus {
  /** Sends `message` to every other node. Resolves once PostgreSQL accepted it (delivery is at most once, to listeners connected then). */
  publish(message: ClusterMessage): Promise<void>;
  /** True while the LISTEN connection is up. */
  readonly listening: boolean;
  close(): Promise<void>;
}

/**
 * Starts listening on `CLUSTER_CHANNEL`. Messages this node sent itself are dropped;
 * unparsable ones are logged and dropped. A lost LISTEN connection is re-established
 * every `reconnectMs`, and `onResync` runs after each reconnect.
 */
export async function startClusterBus(options: ClusterBusOptions): Promise<ClusterBus> {
  const { pool, nodeId, logger } = options;
  let client: pg.Client | undefined;
  let closed = false;
  let listening = false;
  let retry: NodeJS.Timeout | undefined;

  const deliver = async (text: string) => {
    let body = text;
    const ref = /^ref:(\d+)$/.exec(text)?.[1];
    if (ref) {
      const { rows } = await pool.query<{ payload: string }>("SELECT payload FROM cluster_payloads WHERE id = $1", [
        ref,
      ]);
      if (!rows[0])
        return logger.warn({ ref }, "cluster message payload is gone (older than the retention); resyncing");
      body = rows[0].payload;
    }
    const envelope = parseEnvelope(body);
    if (!envelope)
      return logger.warn({ bytes: body.length }, "dropped a cluster message this gateway does not understand");
    if (envelope.from !== nodeId) options.onMessage(envelope);
  };

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: options.url, application_name: "polyplug-cluster" });
    next.on("notification", (notification) => {
      if (notification.channel !== CLUSTER_CHANNEL || notification.payload === undefined) return;
      deliver(notification.payload).catch((error: unknown) =>
        logger.warn({ err: PolyplugError.from(error).message }, "could not read a cluster message"),
      );
    });
    next.on("error", (error) => {
      logger.warn({ err: error.message }, "cluster LISTEN connection lost; reconnecting");
      lost(next);
    });
    next.on("end", () => lost(next));
    await next.connect();
    await next.query(`LISTEN ${CLUSTER_CHANNEL}`);
    client = next;
    listening = true;
  };

  const lost = (which: pg.Client) => {
    if (client !== which) return;
    client = undefined;
    listening = false;
    void which.end().catch(() => undefined);
    schedule();
  };

  const schedule = () => {
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      connect()
        .then(() => options.onResync())
        .catch((error: unknown) => {
          logger.warn({ err: PolyplugError.from(error).message }, "cluster LISTEN reconnect failed; retrying");
          schedule();
        });
    }, options.reconnectMs ?? 1000);
    retry.unref();
  };

  try {
    await connect();
  } catch (reason) {
    throw pgOperationError(reason, "cluster listen");
  }
  const cleanup = setInterval(() => {
    pool
      .query("DELETE FROM cluster_payloads WHERE created_at < now() - make_interval(secs => $1)", [
        CLUSTER_PAYLOAD_RETENTION_MS / 1000,
      ])
      .catch(() => undefined);
  }, CLUSTER_PAYLOAD_RETENTION_MS / 5);
  cleanup.unref();

  return {
    get listening() {
      return listening;
    },
    async publish(message) {
      const text = JSON.stringify({ from: nodeId, message });
      const size = Buffer.byteLength(text);
      if (size > MAX_CLUSTER_MESSAGE_BYTES) {
        throw new PolyplugError(
          ErrorCode.ResourceExhausted,
          `cluster message of ${size} bytes exceeds the limit of ${MAX_CLUSTER_MESSAGE_BYTES} bytes`,
        );
      }
      try {
        if (size <= MAX_INLINE_NOTIFY_BYTES) {
          await pool.query("SELECT pg_notify($1, $2)", [CLUSTER_CHANNEL, text]);
          return;
        }
        const { rows } = await pool.query<{ id: string }>(
          "INSERT INTO cluster_payloads (payload) VALUES ($1) RETURNING id",
          [text],
        );
        await pool.query("SELECT pg_notify($1, $2)", [CLUSTER_CHANNEL, `ref:${rows[0]?.id ?? ""}`]);
      } catch (reason) {
        throw pgOperationError(reason, "cluster publish");
      }
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      clearInterval(cleanup);
      listening = false;
      const last = client;
      client = undefined;
      await last?.end().catch(() => undefined);
    },
  };
}
