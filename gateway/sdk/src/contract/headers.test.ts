import { describe, expect, it } from "vitest";
import { ERROR_CODE_HEADER, isIdentityHeader, REQUEST_ID_HEADER } from "./headers.js";

describe("contract headers", () => {
  it("are lower-case names (HTTP/2 and gRPC metadata require it)", () => {
    for (const name of [REQUEST_ID_HEADER, ERROR_CODE_HEADER]) expect(name).toBe(name.toLowerCase());
  });

  it("treats polyplug-* and x-polyplug-* as identity headers, and so the gateway's own request id", () => {
    expect(isIdentityHeader(REQUEST_ID_HEADER)).toBe(true);
    expect(isIdentityHeader("x-polyplug-role")).toBe(true);
    expect(isIdentityHeader("x-custom")).toBe(false);
    expect(isIdentityHeader("polyplugx")).toBe(false);
  });
});
