import { describe, expect, it } from "vitest";
import { ErrorCode as ProtoErrorCode } from "@polyplug/sdk/internal/gen/polyplug/v1/common_pb.js";
import { ErrorCode } from "../../src/errors.js";
import { toContractCode as toProtoErrorCode } from "@polyplug/sdk/internal/contract/codes.js";
import { toClientResponseHeaders, toPluginRequestHeaders } from "../../src/surfaces/http-headers.js";

describe("toPluginRequestHeaders", () => {
  it("keeps order and repeats, strips identity, hop-by-hop and pseudo headers, adds the request id", () => {
    const raw = [
      ":authority",
      "example.test",
      "Accept",
      "a",
      "X-Polyplug-Admin",
      "1",
      "POLYPLUG-USER-ID",
      "root",
      "Cookie",
      "c1",
      "Connection",
      "keep-alive, X-Secret-Hop",
      "X-Secret-Hop",
      "h",
      "Proxy-Authorization",
      "p",
      "TE",
      "trailers",
      "Cookie",
      "c2",
    ];
    expect(toPluginRequestHeaders(raw, "r-1")).toEqual([
      { name: "host", value: "example.test" },
      { name: "accept", value: "a" },
      { name: "cookie", value: "c1" },
      { name: "cookie", value: "c2" },
      { name: "polyplug-request-id", value: "r-1" },
    ]);
  });
});

describe("toClientResponseHeaders", () => {
  it("groups repeated names and drops hop-by-hop headers", () => {
    const headers = toClientResponseHeaders([
      { name: "Set-Cookie", value: "a=1" },
      { name: "set-cookie", value: "b=2" },
      { name: "Transfer-Encoding", value: "chunked" },
      { name: "Content-Type", value: "text/plain" },
    ]);
    expect(headers).toEqual({ "set-cookie": ["a=1", "b=2"], "content-type": "text/plain" });
  });
});

describe("toProtoErrorCode", () => {
  it("maps every gateway error code to a protocol code other than UNSPECIFIED", () => {
    for (const code of Object.values(ErrorCode)) expect(toProtoErrorCode(code)).not.toBe(ProtoErrorCode.UNSPECIFIED);
    expect(toProtoErrorCode("something_new")).toBe(ProtoErrorCode.INTERNAL);
  });
});
