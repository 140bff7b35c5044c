import type { JsonObject } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { ErrorCode, PolyplugError } from "../errors.js";
import { fromProtoFailMode } from "../dispatch/fail-mode-proto.js";
import { type Admin, SignatureTrust, type PluginInfo } from "@polyplug/sdk/internal/gen/polyplug/v1/admin_pb.js";
import { readManifest } from "../registry/manifest.js";
import type { Setting } from "../registry/settings.js";
import type { SignaturePolicy, SignatureTrust as SignatureTrustName } from "../registry/signature.js";
import type { Gateway, PluginListing } from "../runtime/gateway.js";
import { toConnectError } from "../surfaces/error-mapping.js";
import type { AdminEvent, AdminEventFeed } from "./event-feed.js";
import type { BundleInstaller } from "./install-bundle.js";
import type { LatencyRecorder } from "./latency-recorder.js";
import { fromPermissionsMessage } from "./permissions-message.js";
import { pinoLevelFor, toLogMessage } from "./log-records.js";
import { toPluginInfo, toSettingSpec } from "./plugin-info.js";
import { toClusterNode } from "./cluster-nodes.js";
import { subscriptionStream } from "./subscription-stream.js";

/** What the Admin service works on. */
export interface AdminServiceDeps {
  readonly gateway: Gateway;
  readonly latency: LatencyRecorder;
  readonly events: AdminEventFeed;
  readonly installer: BundleInstaller;
  /** Epoch ms the admin server started (GetStatus.started_at). */
  readonly startedAt: number;
  /** The server's signature policy, reported by GetStatus. */
  readonly signaturePolicy: SignaturePolicy;
}

const SIGNATURE_TRUST: Readonly<Record<SignatureTrustName, SignatureTrust>> = {
  trusted: SignatureTrust.TRUSTED,
  untrusted: SignatureTrust.UNTRUSTED,
  unsigned: SignatureTrust.UNSIGNED,
};

/** Most log records StreamLogs sends before following. */
export const MAX_LOG_TAIL = 1000;

function checkPluginId(pluginId: string): string {
  if (!pluginId) throw new PolyplugError(ErrorCode.InvalidArgument, "plugin_id is required");
  return pluginId;
}

/** Runs one handler body, turning whatever it throws into a ConnectError. */
async function run<T>(call: () => Promise<T> | T): Promise<T> {
  try {
    return await call();
  } catch (reason) {
    throw toConnectError(reason);
  }
}

/** Streams with errors mapped like `run`. */
async function* runStream<T>(stream: () => AsyncGenerator<T>): AsyncGenerator<T> {
  try {
    yield* stream();
  } catch (reason) {
    throw toConnectError(reason);
  }
}

/**
 * The polyplug.v1.Admin handlers over a running gateway (semantics and errors are
 * documented in proto/polyplug/v1/admin.proto). Authentication is the server's
 * interceptor's job, not this layer's.
 */
export function createAdminService(deps: AdminServiceDeps): ServiceImpl<typeof Admin> {
  const { gateway, latency, events } = deps;

  const settingsOf = async (listing: PluginListing): Promise<readonly Setting[]> => {
    const active = gateway.dispatcher.plugins.get(listing.pluginId);
    if (active) return active.manifest.settings;
    try {
      return (await readManifest(listing.dir)).manifest.settings;
    } catch {
      return []; // the folder changed under the gateway; the listing still stands
    }
  };
  const info = async (listing: PluginListing): Promise<PluginInfo> =>
    toPluginInfo(listing, await settingsOf(listing), gateway.dispatcher.plugins, latency);
  const allInfo = async () =>
    Promise.all([...gateway.plugins()].sort((a, b) => (a.pluginId < b.pluginId ? -1 : 1)).map(info));

  return {
    getStatus: () =>
      run(async () => ({
        version: gateway.version,
        publicUrl: gateway.url,
        startedAt: timestampFromMs(deps.startedAt),
        plugins: await allInfo(),
        brokenPlugins: gateway
          .brokenPlugins()
          .map((broken) => ({ dir: broken.dir, code: broken.error.code, message: broken.error.message })),
        signaturePolicy: deps.signaturePolicy,
        nodeId: gateway.nodeId,
        nodes: (await gateway.nodes()).map(toClusterNode),
        sandbox: { ...gateway.sandbox(), warnings: [...gateway.sandbox().warnings] },
      })),
    listPlugins: () => run(async () => ({ plugins: await allInfo() })),
    getPlugin: (request) => run(async () => ({ plugin: await info(gateway.plugin(checkPluginId(request.pluginId))) })),
    installPlugin: (request) =>
      run(async () => {
        if (request.bundle.length === 0)
          throw new PolyplugError(ErrorCode.InvalidArgument, "bundle is empty: send the plugin's .tar.gz bytes");
        const installed = await deps.installer.install(request.bundle, {
          requireSignature: request.requireSignature,
          ...(request.signature.length > 0 ? { signature: request.signature } : {}),
          ...(request.approvedPermissions
            ? { approvedPermissions: fromPermissionsMessage(request.approvedPermissions) }
            : {}),
        });
        const { listing } = installed;
        events.emit([listing.pluginId], {
          case: "installed",
          value: {
            pluginId: listing.pluginId,
            version: listing.version,
            previousVersion: installed.previousVersion ?? "",
          },
        });
        return {
          plugin: await info(listing),
          previousVersion: installed.previousVersion ?? "",
          sha256: installed.sha256,
          signed: installed.signed,
          keyId: installed.keyId ?? "",
          signatureTrust: SIGNATURE_TRUST[installed.trust],
          warnings: [...installed.warnings],
        };
      }),
    enablePlugin: (request) =>
      run(async () => ({ plugin: await info(await gateway.enable(checkPluginId(request.pluginId))) })),
    disablePlugin: (request) =>
      run(async () => ({ plugin: await info(await gateway.disable(checkPluginId(request.pluginId))) })),
    restartPlugin: (request) =>
      run(async () => ({ plugin: await info(await gateway.restart(checkPluginId(request.pluginId))) })),
    removePlugin: (request) =>
      run(async () => {
        const { pluginId, version } = gateway.plugin(checkPluginId(request.pluginId));
        await gateway.remove(pluginId);
        events.emit([pluginId], { case: "removed", value: { pluginId, version } });
        return { version };
      }),
    setFailMode: (request) =>
      run(async () => {
        const pluginId = gateway.plugin(checkPluginId(request.pluginId)).pluginId;
        return {
          plugin: await info(await gateway.setFailMode(pluginId, request.topic, fromProtoFailMode(request.mode))),
        };
      }),
    getConfig: (request) =>
      run(async () => {
        const listing = gateway.plugin(checkPluginId(request.pluginId));
        return {
          config: gateway.getConfig(listing.pluginId),
          settings: (await settingsOf(listing)).map(toSettingSpec),
        };
      }),
    setConfig: (request) =>
      run(async () => {
        const pluginId = gateway.plugin(checkPluginId(request.pluginId)).pluginId;
        const before = gateway.getConfig(pluginId);
        const wanted: JsonObject = request.merge ? { ...before, ...request.config } : { ...request.config };
        const saved = await gateway.saveConfig(pluginId, wanted);
        const changedKeys = [...new Set([...Object.keys(before), ...Object.keys(saved)])]
          .filter((key) => JSON.stringify(before[key]) !== JSON.stringify(saved[key]))
          .sort();
        events.emit([pluginId], { case: "configChanged", value: { pluginId, changedKeys } });
        return { config: saved };
      }),
    streamLogs: (request, context: HandlerContext) =>
      runStream(async function* () {
        const tap = gateway.logTap;
        if (!tap)
          throw new PolyplugError(
            ErrorCode.FailedPrecondition,
            "this gateway was started without a log tap, so it keeps no logs to stream",
          );
        if (request.pluginId) gateway.plugin(request.pluginId);
        const minLevel = pinoLevelFor(request.minLevel);
        const filter = {
          ...(request.pluginId ? { pluginId: request.pluginId } : {}),
          ...(minLevel !== undefined ? { minLevel } : {}),
        };
        const tail = Math.min(request.tail || 100, MAX_LOG_TAIL);
        for (const record of tap.recent(filter, tail)) yield toLogMessage(record);
        if (!request.follow) return;
        yield* subscriptionStream(
          (push) => tap.subscribe(filter, (record) => push(toLogMessage(record))),
          context.signal,
        );
      }),
    streamEvents: (request, context: HandlerContext) =>
      runStream(async function* () {
        const wanted = request.pluginId;
        const matches = (event: AdminEvent) => !wanted || event.pluginIds.includes(wanted);
        for await (const event of subscriptionStream<AdminEvent>((push) => {
          // History and subscription in one synchronous step: no event is missed or sent twice.
          for (const past of events.recent(request.recent, matches)) push(past);
          return events.subscribe((event) => (matches(event) ? push(event) : undefined));
        }, context.signal)) {
          yield event.message;
        }
      }),
  };
}
