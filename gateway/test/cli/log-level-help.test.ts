// `serve --help` and `dev --help` list every --log-level the config accepts (fatal and silent
// included), so the help and the accepted values cannot drift apart.
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { serveConfigSchema } from "../../src/runtime/serve-config.js";

async function help(command: string): Promise<string> {
  let out = "";
  await main(["node", "polyplug", command, "--help"], {
    out: (text: string) => {
      out += text;
    },
    err: (text: string) => {
      out += text;
    },
    color: false,
    logDestination: new PassThrough(),
  });
  return out;
}

const levels = serveConfigSchema.shape.logLevel.unwrap().options;

describe("--log-level help", () => {
  it.each(["serve", "dev"])("%s --help lists every accepted level", async (command) => {
    const line = (await help(command)).split("\n").find((text) => text.includes("--log-level")) ?? "";
    expect(levels).toEqual(["trace", "debug", "info", "warn", "error", "fatal", "silent"]);
    for (const level of levels) expect(line).toContain(level);
  });
});
