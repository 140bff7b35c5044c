import { randomUUID } from "node:crypto";
import type { CheckFunction } from "../../check-context.js";
import { assertEqual, fail, show } from "../../check-outcome.js";
import { sleep } from "../raw-connection.js";
import { expectIntercept } from "./contract-assertions.js";

/**
 * A handler writing to its language's standard output after the handshake: the call still
 * succeeds, the plugin keeps serving, and the text reaches the gateway's plugin log (raw
 * stdout, stderr or GRPCStdio - any of them is logged; none may be lost or block).
 */
export const stdoutAfterHandshake: CheckFunction = async (ctx) => {
  const session = await ctx.session();
  const text = `conformance stdout line ${randomUUID()}`;
  expectIntercept(await session.intercept("conformance.print", { text }), { outcome: "proceed" });
  // Look for the text at once: the gateway keeps only the last output lines for inspection.
  const limit = Number(ctx.spec.expect.logged_within_ms ?? 3000);
  const deadline = Date.now() + limit;
  while (!session.plugin.stderrTail().some((line) => line.includes(text))) {
    if (Date.now() > deadline)
      fail(
        `the text printed to stdout (${show(text)}) did not reach the gateway's plugin log within ${limit} ms; recent plugin output: ${show(session.plugin.stderrTail().slice(-5))}`,
      );
    await sleep(20);
  }
  assertEqual(await session.plugin.health(3000), "SERVING", "health after the plugin wrote to stdout");
  expectIntercept(await session.intercept("conformance.echo", { after: "print" }), { outcome: "proceed" });
};
