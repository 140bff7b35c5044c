import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../errors.js";
import { checkPinnedRequirements } from "./python-requirements.js";

describe("checkPinnedRequirements", () => {
  it("accepts exact pins, wheel paths, comments and blank lines", () => {
    const text =
      "# the SDK\n./vendor/polyplug_sdk-0.1.0-py3-none-any.whl\n\ngrpcio==1.85.1\nsix == 1.17.0  # tiny\nrequests[socks]==2.32.3 ; python_version >= '3.11'\nattrs==24.2.0 --hash=sha256:abc\n";
    expect(checkPinnedRequirements(text, "requirements.txt")).toEqual([
      "./vendor/polyplug_sdk-0.1.0-py3-none-any.whl",
      "grpcio==1.85.1",
      "six == 1.17.0",
      "requests[socks]==2.32.3 ; python_version >= '3.11'",
      "attrs==24.2.0 --hash=sha256:abc",
    ]);
  });

  it.each([
    "polyplug",
    "grpcio>=1.85",
    "six~=1.17",
    "-r other.txt",
    "--index-url https://example.com/simple",
    "git+https://example.com/x.git",
    "six==1.*",
    "https://example.com/x.whl",
  ])("refuses %s, naming the line", (line) => {
    expect(() => checkPinnedRequirements(`six==1.17.0\n${line}\n`, "requirements.txt")).toThrow(
      expect.objectContaining({
        code: ErrorCode.InvalidArgument,
        message: expect.stringContaining("requirements.txt line 2:"),
      }),
    );
  });

  it("never accepts a line without an exact version or a .whl path", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (line) => {
        const clean = line.replace(/(^|\s)#.*$/, "").trim();
        if (clean === "" || /===?/.test(clean) || clean.endsWith(".whl")) return;
        expect(() => checkPinnedRequirements(line, "r.txt")).toThrow();
      }),
      { seed: 13, numRuns: 500 },
    );
  });
});
