import { ErrorCode, PolyplugError } from "../errors.js";
import { Health, HealthCheckResponse_ServingStatus } from "@polyplug/sdk/internal/gen/grpc/health/v1/health_pb.js";
import { createRpcClient, type RpcTarget } from "@polyplug/sdk/internal/rpc/client.js";

/** The service name go-plugin plugins register their health under. */
export const PLUGIN_HEALTH_SERVICE = "plugin";

/** A health status name: SERVING, NOT_SERVING, UNKNOWN or SERVICE_UNKNOWN. */
export type HealthStatus = keyof typeof HealthCheckResponse_ServingStatus;

/**
 * Calls `grpc.health.v1.Health/Check` for service `plugin` and returns the status name.
 * Rejects (code from the gRPC status, e.g. `unavailable`, `deadline_exceeded`) when the
 * call itself fails.
 */
export async function checkHealth(client: RpcTarget, timeoutMs = 5000): Promise<HealthStatus> {
  const response = await createRpcClient(Health, client).check(
    { service: PLUGIN_HEALTH_SERVICE },
    { deadline: timeoutMs },
  );
  const name = HealthCheckResponse_ServingStatus[response.status];
  if (name === undefined) {
    throw new PolyplugError(ErrorCode.Unhealthy, `health check answered an unknown status ${response.status}`);
  }
  return name as HealthStatus;
}
