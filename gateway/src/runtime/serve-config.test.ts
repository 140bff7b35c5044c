import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readServeConfig, serveConfigSchema } from "./serve-config.js";
import { DEFAULT_PUBLIC_LIMITS, resolvePublicLimits } from "../surfaces/public-limits.js";

function configFile(text: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "polyplug-limits-")), "polyplug.yaml");
  writeFileSync(file, text);
  return file;
}

describe("serve config: fail-safe keys", () => {
  it("reads failurePolicy, maxInFlightPerPlugin and shutdownTimeoutMs", async () => {
    const config = await readServeConfig(
      configFile(
        `failurePolicy:\n  default: closed\n  plugins:\n    p.a: open\n    p.b: { "message.*": closed }\nmaxInFlightPerPlugin: 16\nshutdownTimeoutMs: 3000\n`,
      ),
    );
    expect(config).toMatchObject({
      failurePolicy: { default: "closed", plugins: { "p.a": "open", "p.b": { "message.*": "closed" } } },
      maxInFlightPerPlugin: 16,
      shutdownTimeoutMs: 3000,
    });
  });

  it.each([
    ["a bad mode", "failurePolicy:\n  default: shut\n", /field failurePolicy.default/],
    [
      "a bad topic",
      'failurePolicy:\n  plugins:\n    p.a: { "Not A Topic": open }\n',
      /field failurePolicy.plugins.p.a/,
    ],
    ["an unknown key", "failurePolicy:\n  defaults: open\n", /failurePolicy/],
    ["a zero limit", "maxInFlightPerPlugin: 0\n", /field maxInFlightPerPlugin/],
  ])("refuses %s, naming the field", async (_name, text, message) => {
    await expect(readServeConfig(configFile(text))).rejects.toThrow(message);
  });
});

describe("public limits", () => {
  it("the serve config's limits: key knows exactly the PublicLimits fields", () => {
    const shape = (serveConfigSchema.shape.limits.unwrap() as unknown as { shape: Record<string, unknown> }).shape;
    expect(Object.keys(shape).sort()).toEqual(Object.keys(DEFAULT_PUBLIC_LIMITS).sort());
  });

  it("reads limits from polyplug serve's config file; unset ones keep their defaults", async () => {
    const config = await readServeConfig(configFile("limits:\n  maxInFlight: 32\n  maxQueued: 0\n"));
    expect(resolvePublicLimits(config.limits)).toEqual({ ...DEFAULT_PUBLIC_LIMITS, maxInFlight: 32, maxQueued: 0 });
  });

  it.each([
    ["limits:\n  maxInFlight: 0\n", /field limits\.maxInFlight/],
    ["limits:\n  maxQueued: -1\n", /field limits\.maxQueued/],
    ["limits:\n  maxInflight: 3\n", /field limits.*maxInflight/],
    ["limits:\n  queueTimeoutMs: 1.5\n", /field limits\.queueTimeoutMs/],
  ])("refuses %j naming the field", async (text, error) => {
    await expect(readServeConfig(configFile(text))).rejects.toThrow(error);
  });

  it("resolvePublicLimits refuses values that are not integers in range, naming the limit", () => {
    expect(() => resolvePublicLimits({ maxConnections: 0 })).toThrow(/limits\.maxConnections: must be an integer ≥ 1/);
    expect(() => resolvePublicLimits({ maxQueued: Number.NaN })).toThrow(/limits\.maxQueued/);
    expect(resolvePublicLimits({ maxQueued: 0, retryAfterSeconds: undefined })).toEqual({
      ...DEFAULT_PUBLIC_LIMITS,
      maxQueued: 0,
    });
  });
});

describe("serve config: cluster keys", () => {
  it("reads database and nodeId", async () => {
    const config = await readServeConfig(
      configFile("database: postgres://polyplug:pw@db.internal:5432/polyplug\nnodeId: node-1\n"),
    );
    expect(config).toMatchObject({ database: "postgres://polyplug:pw@db.internal:5432/polyplug", nodeId: "node-1" });
  });

  it.each([
    [
      "a database that is not a postgres:// URL",
      "database: mysql://u@h/db\n",
      /field database: must be a postgres:\/\/user:password@host:port\/dbname URL/,
    ],
    ["a node id with a slash", "nodeId: a/b\n", /field nodeId/],
  ])("refuses %s, naming the field", async (_name, text, message) => {
    await expect(readServeConfig(configFile(text))).rejects.toThrow(message);
  });
});
