import { fromBinary } from "@bufbuild/protobuf";
import { createGrpcClient, MAX_MESSAGE_BYTES } from "@polyplug/sdk/internal/goplugin/channel.js";
import {
  DescribeResponseSchema,
  Plugin,
  type DescribeResponse,
} from "@polyplug/sdk/internal/gen/polyplug/v1/plugin_pb.js";
import { createRpcClient, useUnaryTransport } from "@polyplug/sdk/internal/rpc/client.js";
import type { ActivePlugin, ActivePlugins, ChainMember, HookSession } from "../dispatch/active-plugins.js";
import type { PluginTransport } from "../rpc/plugin-transport.js";
import { createPluginUnaryTransport } from "../rpc/plugin-unary-transport.js";
import type { HookTimeoutReport, PluginEndpoint, PluginRecord } from "./worker-protocol.js";

/** Where a worker tells the primary how its calls to a plugin session went. */
export interface SessionReports {
  timeout(report: HookTimeoutReport): void;
  answered(pluginId: string, sessionKey: string): void;
}

/** A worker's own connections to one plugin session. */
interface WorkerSession {
  readonly key: string;
  readonly active: ActivePlugin;
  close(): void;
}

/**
 * Old connections stay open this long after the primary moved on (restart, reattach), so calls
 * already in flight on them finish or fail by their own deadline instead of being cut.
 */
const RETIRE_GRACE_MS = 2_000;

function connect(
  record: PluginRecord,
  endpoint: PluginEndpoint,
  reports: SessionReports,
  transport: PluginTransport,
): WorkerSession {
  // The same two connections the primary's host opens (plugin-client.ts): grpc-js for
  // streams (ServeHTTP), the gateway's unary transport (rpc/h2, or the node:http2 fallback) for hooks. go-plugin's gRPC server
  // accepts any number of connections from the client certificate it was given.
  const grpcClient = createGrpcClient(endpoint.listen, endpoint.tls, MAX_MESSAGE_BYTES);
  const unary = createPluginUnaryTransport(transport, {
    listen: endpoint.listen,
    tls: endpoint.tls,
    maxMessageBytes: MAX_MESSAGE_BYTES,
  });
  useUnaryTransport(grpcClient, unary);
  const description = fromBinary(DescribeResponseSchema, endpoint.description);
  const hooks = new Set(description.implementedHooks);
  const session: HookSession = {
    pluginId: record.pluginId,
    rpc: createRpcClient(Plugin, grpcClient),
    description,
    implements: (hook) => hooks.has(hook),
  };
  const { pluginId } = record;
  const sessionKey = endpoint.sessionKey;
  return {
    key: sessionKey,
    active: {
      pluginId,
      manifest: record.manifest,
      session,
      reportHookTimeout: (hook) => reports.timeout({ pluginId, sessionKey, hook }),
      reportHookSuccess: () => reports.answered(pluginId, sessionKey),
    },
    close() {
      grpcClient.close();
      unary.close();
    },
  };
}

/**
 * The plugin table inside a worker: what the primary last pushed (states, chain membership,
 * manifests) plus the worker's own connections to every active plugin session. Dispatch runs
 * on it exactly as on the primary's PluginTable; a plugin the primary reports as not active
 * has no session here, so fail-closed chains reject and fail-open chains skip it, as there.
 */
export class MirroredPlugins implements ActivePlugins {
  private records: readonly PluginRecord[] = [];
  /** Worked out once per push: the chain cache compares the members' descriptions and manifests by identity. */
  private memberList: ChainMember[] = [];
  private readonly sessions = new Map<string, WorkerSession>();
  private readonly descriptions = new Map<string, DescribeResponse>();
  private closed = false;

  constructor(
    private readonly reports: SessionReports,
    /** The unary transport the gateway process uses for its own plugin connections. */
    private readonly transport: PluginTransport,
  ) {}

  /** Applies a pushed table: opens connections to new sessions, retires those the primary dropped. */
  update(records: readonly PluginRecord[]): void {
    if (this.closed) return;
    this.records = records;
    const seen = new Set<string>();
    for (const record of records) {
      seen.add(record.pluginId);
      if (record.lastDescription)
        this.descriptions.set(record.pluginId, fromBinary(DescribeResponseSchema, record.lastDescription));
      else this.descriptions.delete(record.pluginId);
      const current = this.sessions.get(record.pluginId);
      if (current && current.key === record.endpoint?.sessionKey) continue;
      if (current) this.retire(record.pluginId, current);
      if (record.endpoint)
        this.sessions.set(record.pluginId, connect(record, record.endpoint, this.reports, this.transport));
    }
    for (const [pluginId, session] of this.sessions) if (!seen.has(pluginId)) this.retire(pluginId, session);
    this.memberList = records
      .filter((record) => record.wanted)
      .map((record) => ({
        pluginId: record.pluginId,
        manifest: record.manifest,
        description: this.descriptions.get(record.pluginId),
        active: () => this.sessions.get(record.pluginId)?.active,
        state: () => record.state,
      }));
  }

  private retire(pluginId: string, session: WorkerSession): void {
    this.sessions.delete(pluginId);
    setTimeout(() => session.close(), RETIRE_GRACE_MS).unref();
  }

  list(): ActivePlugin[] {
    return this.records.flatMap((record) => {
      const session = this.sessions.get(record.pluginId);
      return session ? [session.active] : [];
    });
  }

  get(pluginId: string): ActivePlugin | undefined {
    return this.sessions.get(pluginId)?.active;
  }

  members(): ChainMember[] {
    return this.memberList;
  }

  /** Closes every connection now. */
  close(): void {
    this.closed = true;
    for (const session of this.sessions.values()) session.close();
    this.sessions.clear();
  }
}
