import { FailMode as ProtoFailMode } from "@polyplug/sdk/internal/gen/polyplug/v1/gateway_pb.js";
import type { FailMode } from "./failure-policy.js";

/** A fail mode as the contract's enum. */
export function toProtoFailMode(mode: FailMode): ProtoFailMode {
  return mode === "closed" ? ProtoFailMode.CLOSED : ProtoFailMode.OPEN;
}

/** The contract's enum as a fail mode; undefined for FAIL_MODE_UNSPECIFIED (= remove an override). */
export function fromProtoFailMode(mode: ProtoFailMode): FailMode | undefined {
  return mode === ProtoFailMode.CLOSED ? "closed" : mode === ProtoFailMode.OPEN ? "open" : undefined;
}
