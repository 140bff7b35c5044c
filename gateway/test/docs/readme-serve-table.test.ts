// README's `polyplug serve` table names every flag `serve --help` lists and every key of the
// config file (runtime/serve-config.ts), so a new flag or key cannot go undocumented and a
// removed one cannot stay documented.
import { readFileSync } from "node:fs";
import path from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { serveConfigSchema } from "../../src/runtime/serve-config.js";
import { fixturePaths } from "../paths.js";

/** The first column (flags) and second (config keys) of README's serve table, as written. */
function serveTable(): { flags: string; keys: string } {
  const readme = readFileSync(path.join(fixturePaths.repo, "README.md"), "utf8");
  const lines = readme.slice(readme.indexOf("## `polyplug serve`")).split("\n");
  const header = lines.findIndex((line) => line.startsWith("| Flag |"));
  const end = lines.findIndex((line, i) => i > header && !line.startsWith("|"));
  const cells = lines.slice(header + 2, end).map((row) => row.split(" | "));
  return { flags: cells.map((c) => c[0]).join("\n"), keys: cells.map((c) => c[1]).join("\n") };
}

async function serveHelpFlags(): Promise<string[]> {
  let help = "";
  const write = (text: string) => {
    help += text;
  };
  await main(["node", "polyplug", "serve", "--help"], {
    out: write,
    err: write,
    color: false,
    logDestination: new PassThrough(),
  });
  return [...help.matchAll(/^\s+(?:-\w, )?(--[a-z][a-z0-9-]*)/gm)].map((m) => m[1] as string);
}

describe("README's `polyplug serve` table", () => {
  it("names every flag of `serve --help` and no flag it does not have", async () => {
    const { flags } = serveTable();
    const help = (await serveHelpFlags()).filter((flag) => flag !== "--help");
    expect(help.length).toBeGreaterThan(10);
    for (const flag of help) expect(flags, flag).toMatch(new RegExp(`\`(-\\w, )?${flag}\\b`));
    const documented = [...flags.matchAll(/`(?:-\w, )?(--[a-z][a-z0-9-]*)/g)].map((m) => m[1]);
    expect(documented.filter((flag) => !help.includes(flag as string))).toEqual([]);
  });

  it("names every key of the config file and no key it does not have", () => {
    const { keys } = serveTable();
    const schema = Object.keys(serveConfigSchema.shape);
    for (const key of schema) expect(keys, key).toMatch(new RegExp(`\`${key}[\`:]`));
    const documented = [...keys.matchAll(/`([a-zA-Z]+)[`:]/g)].map((m) => m[1]);
    expect(documented.filter((key) => !schema.includes(key as string))).toEqual([]);
  });
});
