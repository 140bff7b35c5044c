import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readServeConfig } from "./serve-config.js";

function configFile(text: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "polyplug-serve-config-")), "polyplug.yaml");
  writeFileSync(file, text);
  return file;
}

describe("serve config: workers", () => {
  it("reads the number of public-port workers; unset means the one-process gateway", async () => {
    expect((await readServeConfig(configFile("workers: 4\n"))).workers).toBe(4);
    expect((await readServeConfig(configFile("listen: 127.0.0.1:0\n"))).workers).toBeUndefined();
  });

  it.each([
    ["zero", "workers: 0\n"],
    ["a fraction", "workers: 1.5\n"],
    ["too many", "workers: 257\n"],
    ["a word", "workers: all\n"],
  ])("refuses %s, naming the field", async (_name, text) => {
    await expect(readServeConfig(configFile(text))).rejects.toThrow("field workers");
  });
});
