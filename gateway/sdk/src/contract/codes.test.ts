import * as grpc from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../errors.js";
import {
  ContractCode,
  contractCodeFromGrpcStatus,
  contractCodeName,
  gatewayApiStatus,
  gatewayCodeFromGrpcStatus,
  grpcStatusFromContractCode,
  readContractCode,
  toContractCode,
} from "./codes.js";

describe("contract codes (proto/README.md §8.3)", () => {
  it("reads UNSPECIFIED and unknown numbers as INTERNAL, every other code as itself", () => {
    expect(readContractCode(ContractCode.UNSPECIFIED)).toBe(ContractCode.INTERNAL);
    expect(readContractCode(42)).toBe(ContractCode.INTERNAL);
    expect(readContractCode(-1)).toBe(ContractCode.INTERNAL);
    expect(readContractCode(ContractCode.NOT_FOUND)).toBe(ContractCode.NOT_FOUND);
    expect(readContractCode(ContractCode.PLUGIN_FAILED)).toBe(ContractCode.PLUGIN_FAILED);
  });

  it("names codes without prefix, and numbers outside the set by their number", () => {
    expect(contractCodeName(ContractCode.RESOURCE_EXHAUSTED)).toBe("RESOURCE_EXHAUSTED");
    expect(contractCodeName(42)).toBe("CODE_42");
  });

  it.each([
    [grpc.status.OK, ContractCode.INTERNAL],
    [grpc.status.CANCELLED, ContractCode.CANCELLED],
    [grpc.status.UNKNOWN, ContractCode.PLUGIN_FAILED],
    [grpc.status.INVALID_ARGUMENT, ContractCode.INVALID_ARGUMENT],
    [grpc.status.DEADLINE_EXCEEDED, ContractCode.DEADLINE_EXCEEDED],
    [grpc.status.NOT_FOUND, ContractCode.NOT_FOUND],
    [grpc.status.ALREADY_EXISTS, ContractCode.ALREADY_EXISTS],
    [grpc.status.PERMISSION_DENIED, ContractCode.PERMISSION_DENIED],
    [grpc.status.RESOURCE_EXHAUSTED, ContractCode.RESOURCE_EXHAUSTED],
    [grpc.status.FAILED_PRECONDITION, ContractCode.FAILED_PRECONDITION],
    [grpc.status.ABORTED, ContractCode.FAILED_PRECONDITION],
    [grpc.status.OUT_OF_RANGE, ContractCode.INVALID_ARGUMENT],
    [grpc.status.UNIMPLEMENTED, ContractCode.UNIMPLEMENTED],
    [grpc.status.INTERNAL, ContractCode.INTERNAL],
    [grpc.status.UNAVAILABLE, ContractCode.UNAVAILABLE],
    [grpc.status.DATA_LOSS, ContractCode.INTERNAL],
    [grpc.status.UNAUTHENTICATED, ContractCode.PERMISSION_DENIED],
    [100, ContractCode.INTERNAL],
    [17, ContractCode.INTERNAL],
  ])("gRPC status %i reads as contract code %i", (status, code) => {
    expect(contractCodeFromGrpcStatus(status)).toBe(code);
  });

  it("sends every contract code as its namesake's status, PLUGIN_FAILED as UNKNOWN", () => {
    for (const code of Object.values(ContractCode).filter((v): v is number => typeof v === "number")) {
      const status = grpcStatusFromContractCode(code);
      if (code === ContractCode.PLUGIN_FAILED) expect(status).toBe(grpc.status.UNKNOWN);
      else if (code === ContractCode.UNSPECIFIED) expect(status).toBe(grpc.status.INTERNAL);
      else expect(grpc.status[status]).toBe(ContractCode[code]);
      // And back: the round trip keeps every code a sender may use.
      if (code !== ContractCode.UNSPECIFIED) expect(contractCodeFromGrpcStatus(status)).toBe(code);
    }
    expect(grpcStatusFromContractCode(42)).toBe(grpc.status.INTERNAL);
  });

  it("folds every gateway code into a contract code other than UNSPECIFIED; other strings are INTERNAL", () => {
    for (const code of Object.values(ErrorCode)) expect(toContractCode(code)).not.toBe(ContractCode.UNSPECIFIED);
    expect(toContractCode("plugin_exited")).toBe(ContractCode.UNAVAILABLE);
    expect(toContractCode("conflict")).toBe(ContractCode.FAILED_PRECONDITION);
    expect(toContractCode("rpc_failed")).toBe(ContractCode.PLUGIN_FAILED);
    expect(toContractCode("no_such_code")).toBe(ContractCode.INTERNAL);
    expect(toContractCode("toString")).toBe(ContractCode.INTERNAL);
  });

  it("answers a plugin's GatewayAPI call with its code's status, INTERNAL for codes about plugin processes", () => {
    expect(gatewayApiStatus(ErrorCode.InvalidArgument)).toBe(grpc.status.INVALID_ARGUMENT);
    expect(gatewayApiStatus(ErrorCode.ResourceExhausted)).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(gatewayApiStatus(ErrorCode.Unavailable)).toBe(grpc.status.UNAVAILABLE);
    expect(gatewayApiStatus(ErrorCode.FailedPrecondition)).toBe(grpc.status.FAILED_PRECONDITION);
    for (const code of [
      ErrorCode.PluginExited,
      ErrorCode.StartFailed,
      ErrorCode.PluginFailed,
      ErrorCode.RpcFailed,
      ErrorCode.IncompatibleVersion,
    ]) {
      expect(gatewayApiStatus(code), code).toBe(grpc.status.INTERNAL);
    }
  });

  it("reads a failed call's status as a gateway code: transport statuses keep their meaning, the rest is rpc_failed", () => {
    expect(gatewayCodeFromGrpcStatus(grpc.status.DEADLINE_EXCEEDED)).toBe(ErrorCode.DeadlineExceeded);
    expect(gatewayCodeFromGrpcStatus(grpc.status.UNAVAILABLE)).toBe(ErrorCode.Unavailable);
    expect(gatewayCodeFromGrpcStatus(grpc.status.RESOURCE_EXHAUSTED)).toBe(ErrorCode.ResourceExhausted);
    expect(gatewayCodeFromGrpcStatus(grpc.status.UNKNOWN)).toBe(ErrorCode.RpcFailed);
    expect(gatewayCodeFromGrpcStatus(grpc.status.NOT_FOUND)).toBe(ErrorCode.RpcFailed);
  });
});
