// hostile: the chaos suite's misbehaving plugin (gateway/chaos/README.md). It intercepts
// message.will_be_posted (fail-open, after the word filter) and obeys the `chaos` command:
//   chaos normal | garbage | hang     how Intercept answers from now on
//   chaos flood <ms>                  floods stdout and stderr for <ms>
//   chaos fork-exit <n>               starts <n> child processes, then exits
//   chaos busy <ms>                   blocks its event loop (health checks go unanswered)
//   chaos kv-set <key> <value>        writes KV and answers once the gateway acknowledged it
// Every child it starts carries the run marker (`--run <dir>`) in its command line, so the
// suite can find what was left behind.
import { spawn } from "node:child_process";
import { definePlugin, serve } from "@polyplug/sdk";

const marker = process.argv[process.argv.indexOf("--run") + 1] ?? "unknown";
let mode = "normal";
let garbageTurn = 0;

function intercept(payload, ctx) {
  if (mode === "hang") return new Promise(() => {});
  if (mode === "garbage") {
    garbageTurn++;
    // Answers no well-behaved plugin gives: a thrown non-error, a bogus verdict, a huge payload.
    if (garbageTurn % 3 === 0) throw { not: "an error" };
    if (garbageTurn % 3 === 1) return 42;
    return ctx.modify({ ...payload, junk: "x".repeat(2 * 1024 * 1024) });
  }
  return ctx.proceed();
}

function flood(ms) {
  const end = Date.now() + ms;
  const line = `hostile flood ${"#".repeat(100)}\n`;
  const tick = () => {
    for (let i = 0; i < 200; i++) {
      process.stdout.write(line);
      process.stderr.write(line);
    }
    if (Date.now() < end) setImmediate(tick);
  };
  tick();
}

const plugin = definePlugin({
  id: "com.polyplug.chaos.hostile",
  version: "0.1.0",
  intercept: { "message.will_be_posted": intercept },
  commands: {
    chaos: {
      description: "misbehave on purpose (chaos suite only)",
      usage: "normal|garbage|hang|flood <ms>|fork-exit <n>|busy <ms>|kv-set <key> <value>",
      async run(args, ctx) {
        const [verb, a, b] = args;
        switch (verb) {
          case "normal":
          case "garbage":
          case "hang":
            mode = verb;
            return `mode ${mode}`;
          case "flood":
            flood(Number(a ?? 1000));
            return "flooding";
          case "busy": {
            const end = Date.now() + Number(a ?? 1000);
            setTimeout(() => {
              while (Date.now() < end);
            }, 10);
            return "busy soon";
          }
          case "fork-exit":
            for (let i = 0; i < Number(a ?? 2); i++) {
              spawn(process.execPath, ["-e", "setInterval(() => {}, 1e6)", "--", "chaos-child", "--run", marker], {
                stdio: "ignore",
              });
            }
            setTimeout(() => process.exit(3), 50);
            return "forked, exiting";
          case "kv-set":
            await ctx.api.kv.set(String(a), String(b ?? ""));
            return "stored";
          default:
            throw new Error(`unknown chaos verb ${JSON.stringify(verb)}`);
        }
      },
    },
  },
});

await serve(plugin);
