// `polyplug serve` refuses a bad value of a flag it only hands on (to pino) with a usage error
// naming the flag and its choices, before a plugin is started — not pino's bare internal error.
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { serveArgs, serveRoot } from "../fixtures/serve-process.js";

async function serve(extra: readonly string[]): Promise<{ code: number; err: string }> {
  let err = "";
  const code = await main(["node", "polyplug", ...serveArgs(serveRoot("polyplug-bad-flag-"), extra)], {
    out: () => undefined,
    err: (text) => {
      err += text;
    },
    color: false,
    logDestination: new PassThrough(),
  });
  return { code, err };
}

describe("polyplug serve with a bad flag value", () => {
  it.each([
    [["--log-level", "loud"], '--log-level must be one of trace, debug, info, warn, error, fatal, silent, got "loud"'],
    [["--log-format", "yaml"], '--log-format must be one of auto, pretty, json, got "yaml"'],
  ])(
    "%j: a usage error naming the choices",
    async (flags, message) => {
      const { code, err } = await serve([...flags, "--sandbox", "off"]);
      expect(err).toContain(message);
      expect(err).toContain("[invalid_argument]");
      expect(code).not.toBe(0);
    },
    30_000,
  );
});
