import { gatewayApiStatus } from "@polyplug/sdk/internal/contract/codes.js";
import { RpcStatusError } from "@polyplug/sdk/internal/rpc/rpc-error.js";
import * as grpc from "@grpc/grpc-js";
import { PolyplugError } from "../errors.js";

/**
 * The RpcStatusError a GatewayAPI handler answers for `reason`: a PolyplugError keeps
 * its message under the status of its code (proto/README.md §8.2, the contract module's
 * one table); anything else is INTERNAL (a gateway bug).
 */
export function toRpcStatusError(reason: unknown): RpcStatusError {
  if (reason instanceof RpcStatusError) return reason;
  if (reason instanceof PolyplugError) return new RpcStatusError(gatewayApiStatus(reason.code), reason.message);
  const message = reason instanceof Error ? reason.message : String(reason);
  return new RpcStatusError(grpc.status.INTERNAL, `gateway bug: ${message}`);
}
