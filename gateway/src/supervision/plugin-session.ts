import type { JsonObject } from "@bufbuild/protobuf";
import {
  Hook,
  Plugin,
  type DeactivateResponse,
  type DescribeResponse,
} from "@polyplug/sdk/internal/gen/polyplug/v1/plugin_pb.js";
import { fromContractError } from "@polyplug/sdk/internal/contract/contract-error.js";
import type { PluginClient } from "../host/plugin-client.js";
import type { RpcClient } from "@polyplug/sdk/internal/rpc/client.js";
import { newHookContext } from "./hook-context.js";
import { checkDescription } from "./describe-check.js";

/** A running plugin process after Describe and Activate: what dispatch talks to. */
export interface PluginSession {
  readonly pluginId: string;
  readonly host: PluginClient;
  readonly rpc: RpcClient<typeof Plugin>;
  readonly description: DescribeResponse;
  implements(hook: Hook): boolean;
}

/** Gateway facts handed to the plugin on Activate. */
export interface ActivationInputs {
  readonly pluginId: string;
  readonly configuration: JsonObject;
  readonly gatewayApiBrokerId: number;
  readonly gatewayVersion: string;
  readonly instanceId: string;
  readonly timeoutMs: number;
}

/**
 * Describe: who the plugin is and which hooks it implements. Any error means
 * "failed to start".
 */
export async function describePlugin(
  host: PluginClient,
  expectedId: string,
  timeoutMs: number,
): Promise<PluginSession> {
  const rpc = host.client(Plugin);
  const description = await rpc.describe(
    { context: newHookContext({ pluginId: expectedId }) },
    { deadline: timeoutMs },
  );
  checkDescription(description, expectedId);
  const hooks = new Set(description.implementedHooks);
  return { pluginId: expectedId, host, rpc, description, implements: (hook) => hooks.has(hook) };
}

/** Activates the plugin with its configuration and the broker id of its GatewayAPI. */
export async function activatePlugin(session: PluginSession, inputs: ActivationInputs): Promise<void> {
  // The configuration travels inside Activate, so the plugin has it before it is active;
  // ConfigurationChanged is only for later changes, when the GatewayAPI is connected.
  const configuration = inputs.configuration;
  // Without HOOK_ACTIVATE the plugin never learns the broker id; the contract allows it.
  if (!session.implements(Hook.ACTIVATE)) return;
  const activated = await session.rpc.activate(
    {
      context: newHookContext({ pluginId: inputs.pluginId, timeoutMs: inputs.timeoutMs }),
      configuration,
      gatewayApiBrokerId: inputs.gatewayApiBrokerId,
      gateway: { version: inputs.gatewayVersion, instanceId: inputs.instanceId },
    },
    { deadline: inputs.timeoutMs },
  );
  if (activated.error) throw fromContractError(activated.error, "Activate failed");
}

/** Deactivate (the caller checks that the plugin implements it), bounded by `timeoutMs`. */
export function deactivatePlugin(session: PluginSession, timeoutMs: number): Promise<DeactivateResponse> {
  return session.rpc.deactivate(
    { context: newHookContext({ pluginId: session.pluginId, timeoutMs }) },
    { deadline: timeoutMs },
  );
}
