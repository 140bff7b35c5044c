import { describe, expect, it } from "vitest";
import { negotiateVersion } from "./negotiate.js";

describe("negotiateVersion", () => {
  it.each([
    ["1", [1], 1, true],
    ["3,1,2", [1, 2], 2, true],
    ["5,x,6", [1, 2], 1, false],
    ["", [1], 1, false],
    [undefined, [2, 1], 1, false],
  ] as const)("offer %s, supported %o → %i", (offer, supported, version, matched) => {
    expect(negotiateVersion(offer, supported)).toMatchObject({ version, matched });
  });
  it("reports entries that are not integers", () => expect(negotiateVersion("1,abc", [1]).invalid).toEqual(["abc"]));
});
