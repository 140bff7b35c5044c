import { create } from "@bufbuild/protobuf";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ErrorCode as ContractCode, ErrorSchema } from "../gen/polyplug/v1/common_pb.js";
import { ErrorCode } from "../errors.js";
import { fromContractError, truncateErrorMessage } from "./contract-error.js";

describe("fromContractError", () => {
  it("is plugin_failed naming the contract code, with the plugin's details and the context", () => {
    const error = fromContractError(
      create(ErrorSchema, { code: ContractCode.NOT_FOUND, message: "no such user", details: { field: "user" } }),
      "Activate failed",
      { pluginId: "p.one" },
    );
    expect(error.code).toBe(ErrorCode.PluginFailed);
    expect(error.message).toBe("Activate failed: NOT_FOUND: no such user");
    expect(error.details).toEqual({ field: "user", pluginId: "p.one", contractCode: "NOT_FOUND" });
  });

  it("has no prefix without a context", () => {
    expect(fromContractError(create(ErrorSchema, { code: ContractCode.PLUGIN_FAILED, message: "boom" })).message).toBe(
      "PLUGIN_FAILED: boom",
    );
  });

  it("reads UNSPECIFIED and unknown codes as INTERNAL (the one fallback rule)", () => {
    for (const code of [0, 42]) {
      const error = fromContractError(create(ErrorSchema, { code, message: "x" }));
      expect(error.details.contractCode).toBe("INTERNAL");
      expect(error.message).toBe("INTERNAL: x");
    }
  });

  it("keeps the gateway's keys over a plugin's forged ones", () => {
    const error = fromContractError(
      create(ErrorSchema, {
        code: ContractCode.INTERNAL,
        message: "m",
        details: { contractCode: "OK", pluginId: "other" },
      }),
      "c",
      { pluginId: "p.one" },
    );
    expect(error.details).toEqual({ contractCode: "INTERNAL", pluginId: "p.one" });
  });

  it("cuts the plugin's message to 4 KiB", () => {
    const error = fromContractError(create(ErrorSchema, { code: ContractCode.INTERNAL, message: "é".repeat(5000) }));
    expect(Buffer.byteLength(error.message)).toBeLessThanOrEqual("INTERNAL: ".length + 4096);
  });
});

describe("truncateErrorMessage", () => {
  it("never exceeds the limit, never splits a character, keeps short texts", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 3000 }), fc.integer({ min: 8, max: 5000 }), (text, max) => {
        const cut = truncateErrorMessage(text, max);
        expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(max);
        expect(cut).not.toContain("\uFFFD");
        if (Buffer.byteLength(text) <= max) expect(cut).toBe(text);
        else expect(cut.endsWith("...")).toBe(true);
      }),
    );
  });
});
