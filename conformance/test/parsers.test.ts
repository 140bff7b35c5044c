import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CaseLoadError, matchesCasePattern, parseCasesFile, parseFeatures, parseKnownFailing } from "../src/index.js";

const segment = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,8}$/);
const caseName = fc.array(segment, { minLength: 2, maxLength: 4 }).map((parts) => parts.join("/"));

describe("cases file", () => {
  it("loads a valid case with defaults", () => {
    const [spec] = parseCasesFile("cases:\n  - name: a/b\n    description: d\n    check: handshake-line\n", "x.yaml");
    expect(spec).toMatchObject({
      name: "a/b",
      required: true,
      timeoutMs: 20_000,
      params: {},
      expect: {},
      feature: undefined,
    });
  });
  it("names file, case and field in errors", () => {
    expect(() =>
      parseCasesFile("cases:\n  - name: a/b\n    description: d\n    check: c\n    colour: red\n", "x.yaml"),
    ).toThrow('x.yaml: case "a/b": unknown field "colour"');
    expect(() => parseCasesFile("cases:\n  - name: a/b\n    check: c\n", "x.yaml")).toThrow(
      /case "a\/b": field "description" is missing/,
    );
    expect(() =>
      parseCasesFile("cases:\n  - name: a/b\n    description: d\n    check: nope\n", "x.yaml", new Set(["other"])),
    ).toThrow(/no check named "nope"/);
    expect(() => parseCasesFile("cases: [", "x.yaml")).toThrow(CaseLoadError);
  });
  it("round-trips any valid name and rejects names with one segment", () => {
    fc.assert(
      fc.property(caseName, fc.boolean(), (name, required) => {
        const [spec] = parseCasesFile(
          `cases:\n  - name: ${name}\n    description: x\n    check: k\n    required: ${required}\n`,
          "f.yaml",
        );
        expect(spec?.name).toBe(name);
        expect(spec?.required).toBe(required);
      }),
    );
    fc.assert(
      fc.property(
        segment,
        (name) =>
          void expect(() =>
            parseCasesFile(`cases:\n  - name: ${name}\n    description: x\n    check: k\n`, "f.yaml"),
          ).toThrow(/field "name"/),
      ),
    );
  });
  it("never throws anything but CaseLoadError on arbitrary text", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        try {
          parseCasesFile(text, "f.yaml");
        } catch (error) {
          expect(error).toBeInstanceOf(CaseLoadError);
        }
      }),
    );
  });
});

describe("features and known-failing files", () => {
  it("parses features and rejects unknown ones", () => {
    expect([...parseFeatures("features: [contract, hclog]\n", "f").features]).toEqual(["contract", "hclog"]);
    expect(() => parseFeatures("features: [teleport]\n", "f")).toThrow(/features\[0\]: unknown feature "teleport"/);
    expect(() => parseFeatures("app_protocol_versions: [0]\n", "f")).toThrow(/app_protocol_versions/);
  });
  it("keeps every listed name, ignoring comments and blank lines", () => {
    fc.assert(
      fc.property(
        fc.array(caseName),
        fc.array(fc.string().filter((s) => !s.includes("\n") && !s.includes("\r"))),
        (names, comments) => {
          const text = names.map((n, i) => `${n}   # ${comments[i] ?? ""}`).join("\n") + "\n\n# trailing comment\n";
          expect(parseKnownFailing(text, "k")).toEqual(names);
        },
      ),
    );
    expect(() => parseKnownFailing("Not A Case\n", "k")).toThrow(/k: line 1/);
  });
});

describe("case patterns", () => {
  it("matches exact names, groups and wildcards", () => {
    expect(matchesCasePattern("handshake/cookie-missing", "handshake")).toBe(true);
    expect(matchesCasePattern("handshake/cookie-missing", "handshake/cookie-*")).toBe(true);
    expect(matchesCasePattern("a/b/c", "a/*")).toBe(true);
    expect(matchesCasePattern("a/b/c", "*/c")).toBe(false);
    expect(matchesCasePattern("a/b/c", "**/c")).toBe(true);
    expect(matchesCasePattern("handshakes/x", "handshake")).toBe(false);
  });
  it("every name matches itself and its own group", () => {
    fc.assert(
      fc.property(
        caseName,
        (name) => matchesCasePattern(name, name) && matchesCasePattern(name, name.split("/")[0] as string),
      ),
    );
  });
});
