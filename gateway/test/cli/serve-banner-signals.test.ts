// `polyplug serve` listens for SIGINT/SIGTERM before it prints its banner (issue 17, start-up):
// whoever started it (a supervisor, the gateway-start benchmark, a test) may stop it the moment
// the banner shows, and a signal that came before the handlers killed the process outright —
// no graceful stop of its plugins, no exit handlers (seen once in 24 starts on a busy machine).
// In-process: the banner's write records whether the handlers exist, then a SIGTERM (emitted to
// the handlers, not sent) stops the real gateway.
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import type { CliIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { serveArgs, serveRoot } from "../fixtures/serve-process.js";

describe("polyplug serve's banner", () => {
  it("is printed once SIGTERM and SIGINT are handled, and a SIGTERM right after it stops gracefully", async () => {
    const root = serveRoot("polyplug-banner-");
    const before = { SIGTERM: process.listenerCount("SIGTERM"), SIGINT: process.listenerCount("SIGINT") };
    let atBanner: { SIGTERM: number; SIGINT: number } | undefined;
    let errors = "";
    const io: CliIo = {
      out: () => undefined,
      err: (text) => {
        errors += text;
        if (!text.includes("Polyplug gateway listening on")) return;
        atBanner = { SIGTERM: process.listenerCount("SIGTERM"), SIGINT: process.listenerCount("SIGINT") };
        setImmediate(() => process.emit("SIGTERM", "SIGTERM"));
      },
      color: false,
      logDestination: new PassThrough(),
    };
    const code = await main(["node", "polyplug", ...serveArgs(root, ["--sandbox", "off"])], io);
    expect(atBanner, errors).toEqual({ SIGTERM: before.SIGTERM + 1, SIGINT: before.SIGINT + 1 });
    expect(code, errors).toBe(0);
    expect(process.listenerCount("SIGTERM")).toBe(before.SIGTERM);
  }, 60_000);
});
