import { toBinary } from "@bufbuild/protobuf";
import { DescribeResponseSchema } from "@polyplug/sdk/internal/gen/polyplug/v1/plugin_pb.js";
import type { FailurePolicy } from "../dispatch/failure-policy.js";
import type { PluginSession } from "../supervision/plugin-session.js";
import type { Supervisor } from "../supervision/supervisor.js";
import type { PluginEndpoint, PluginSnapshot } from "./worker-protocol.js";

/** Identifies one session of a plugin: a restart or reattach gives a new process or address. */
export function sessionKey(session: PluginSession): string {
  const { host } = session;
  return `${host.pid ?? 0}:${host.handshake.network}:${host.handshake.address}`;
}

function endpoint(session: PluginSession): PluginEndpoint {
  const { host } = session;
  return {
    sessionKey: sessionKey(session),
    listen: { network: host.handshake.network, address: host.handshake.address },
    tls: host.tls,
    description: toBinary(DescribeResponseSchema, session.description),
  };
}

/** The primary's plugin table (its supervisors, in table order) and fail-mode overrides, as workers get them. */
export function snapshotPlugins(supervisors: readonly Supervisor[], failurePolicy: FailurePolicy): PluginSnapshot {
  return {
    plugins: supervisors.map((supervisor) => {
      const session = supervisor.session;
      const last = supervisor.lastDescription;
      return {
        pluginId: supervisor.pluginId,
        manifest: supervisor.manifest,
        wanted: supervisor.wanted,
        state: supervisor.state,
        lastDescription: last ? toBinary(DescribeResponseSchema, last) : undefined,
        endpoint: session ? endpoint(session) : undefined,
      };
    }),
    failModeOverrides: failurePolicy.adminOverrides(),
  };
}
