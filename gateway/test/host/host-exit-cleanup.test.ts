// A plugin does not outlive the host that started it: when the host process exits, crashes or
// is ended by a signal it does not handle, its plugins get SIGTERM (and the host still ends
// the way it would have without plugins).
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../log-capture.js";
import { fixturePaths } from "../paths.js";

/** Running (not gone, not a zombie waiting for a reaper). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

const started: number[] = [];
afterEach(() => {
  // A failed test must not leave its plugin running.
  for (const pid of started.splice(0)) if (alive(pid)) process.kill(pid, "SIGKILL");
});

/** Starts the fixture host, waits for its plugin's pid, then lets `end` finish it; resolves with the plugin pid and how the host ended. */
async function hostEnding(
  how: "exit" | "throw" | "wait",
  end: (host: ReturnType<typeof spawn>) => void = () => undefined,
) {
  const host = spawn(
    process.execPath,
    [
      fixturePaths.nodeFixture("host-that-exits.mjs"),
      how,
      process.execPath,
      fixturePaths.nodeFixture("tcp-plugin.mjs"),
    ],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  host.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  const ended = once(host, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  await eventually(() => /^\d+\n/.test(out), 30_000, "the plugin's pid");
  const pluginPid = Number(out.trim());
  started.push(pluginPid);
  end(host);
  const [code, signal] = await ended;
  return { pluginPid, code, signal };
}

describe("plugins end with their host", () => {
  it("on process.exit", async () => {
    const { pluginPid, code } = await hostEnding("exit");
    expect(code).toBe(0);
    await eventually(() => !alive(pluginPid), 20_000, "the plugin to end");
  });

  it("on an uncaught exception", async () => {
    const { pluginPid, code } = await hostEnding("throw");
    expect(code).toBe(1);
    await eventually(() => !alive(pluginPid), 20_000, "the plugin to end");
  });

  it("on SIGTERM the host does not handle, which still ends the host by that signal", async () => {
    const { pluginPid, signal } = await hostEnding("wait", (host) => host.kill("SIGTERM"));
    expect(signal).toBe("SIGTERM");
    await eventually(() => !alive(pluginPid), 20_000, "the plugin to end");
  });
});
