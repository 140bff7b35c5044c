// Tests the README's quick start: starts `polyplug serve` with the example plugins as
// `npm start` does, checks the banner it prints, runs every curl of the "from another
// terminal" block and compares each answer with the one the README shows (`...` stands for
// ids and timings), and checks the WebSocket hint (`?label.channel_id=town`).
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { fixturePaths } from "../paths.js";

const readme = readFileSync(path.join(fixturePaths.repo, "README.md"), "utf8");
const PUBLIC = "http://127.0.0.1:8080";
const ADMIN = "http://127.0.0.1:8081";

/** The console block that follows `marker` in the README. */
function consoleBlockAfter(marker: string): string {
  const from = readme.indexOf(marker);
  const match = /```console\n([\s\S]*?)```/.exec(readme.slice(from));
  if (from < 0 || !match?.[1]) throw new Error(`no console block after ${JSON.stringify(marker)} in README.md`);
  return match[1];
}

/** `$ command` (with `\` continuation lines) and the answer shown below it. */
function commandsOf(block: string): Array<{ command: string; expected: string }> {
  const result: Array<{ command: string; expected: string }> = [];
  const lines = block.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]?.startsWith("$ ")) continue;
    let command = (lines[i] ?? "").slice(2);
    while (command.endsWith("\\")) command = `${command.slice(0, -1)} ${(lines[++i] ?? "").trim()}`;
    const expected: string[] = [];
    while (i + 1 < lines.length && !lines[i + 1]?.startsWith("$ ")) expected.push(lines[++i] ?? "");
    result.push({ command, expected: expected.join("\n").trim() });
  }
  return result;
}

/** The documented answer as a pattern: literal text, `...` matching anything. */
function answerPattern(expected: string): RegExp {
  const parts = expected.split("...").map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${parts.join("[\\s\\S]*?")}$`);
}

let serve: ChildProcess;
let banner = "";
let publicUrl = "";
let adminUrl = "";
const live = (text: string) =>
  text
    .replaceAll(PUBLIC, publicUrl)
    .replaceAll(ADMIN, adminUrl)
    .replaceAll(PUBLIC.replace("http", "ws"), publicUrl.replace("http", "ws"));

beforeAll(async () => {
  const data = mkdtempSync(path.join(tmpdir(), "readme-serve-"));
  serve = spawn(
    process.execPath,
    [
      fixturePaths.bin,
      "serve",
      "--plugins",
      path.join(fixturePaths.examplesGo, "plugins"),
      path.join(fixturePaths.repo, "examples-python", "plugins"),
      path.join(fixturePaths.gateway, "examples"),
      "--data",
      data,
      "--python",
      path.join(fixturePaths.repo, ".venv", "bin", "python"),
      "--listen",
      "127.0.0.1:0",
      "--admin-listen",
      "127.0.0.1:0",
      "--log-level",
      "warn",
    ],
    { cwd: fixturePaths.repo, env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "ignore", "pipe"] },
  );
  await new Promise<void>((resolve, reject) => {
    serve.stderr?.on("data", (chunk: Buffer) => {
      banner += chunk.toString();
      const pub = /listening on (http:\/\/\S+)/.exec(banner);
      const admin = /admin API {4}(http:\/\/\S+)/.exec(banner);
      if (pub?.[1] && admin?.[1] && banner.includes("Try it")) {
        publicUrl = pub[1];
        adminUrl = admin[1];
        resolve();
      }
    });
    serve.on("exit", (code) => reject(new Error(`polyplug serve exited (${code}):\n${banner}`)));
  });
}, 120_000);

afterAll(async () => {
  if (serve.exitCode !== null) return;
  const exited = new Promise((resolve) => serve.once("exit", resolve));
  serve.kill("SIGTERM");
  await exited;
});

describe("README quick start", () => {
  it("prints the banner the README shows (events URL with its label filter, the Try it curl)", () => {
    const shown = consoleBlockAfter("and prints where to look:")
      .split("\n")
      .filter((line) => line.trim() !== "" && !/--data|admin-token/.test(line));
    const printed = banner.split("\n").map((line) => line.trimEnd());
    for (const line of shown) expect(printed).toContain(live(line.trimEnd()));
  });

  it("answers every curl as the README shows, and the WebSocket hint delivers the membership event", async () => {
    const socket = new WebSocket(live("ws://127.0.0.1:8080/v1/events?label.channel_id=town"));
    const messages: Array<{ type: string; event?: string; payload?: Record<string, unknown> }> = [];
    socket.on("message", (data: Buffer) => messages.push(JSON.parse(data.toString()) as (typeof messages)[number]));
    await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
    try {
      const commands = commandsOf(consoleBlockAfter("Then, from another terminal"));
      expect(commands.map((c) => c.command.split(" ").find((word) => word.includes("127.0.0.1")))).toHaveLength(7);
      for (const { command, expected } of commands) {
        const pattern = answerPattern(live(expected));
        const run = async () =>
          (await promisify(execFile)("sh", ["-c", live(command)], { timeout: 30_000 })).stdout
            .replaceAll("\r", "")
            .trim();
        // Notify is asynchronous: what depends on it (the count, the audit log) is asked again until it shows.
        if (command.includes("/Notify")) expect(await run()).toMatch(pattern);
        else await expect.poll(run, { timeout: 20_000, interval: 250 }).toMatch(pattern);
      }
      await expect
        .poll(() => messages.find((m) => m.event === "com.polyplug.example.membership.changed"), { timeout: 10_000 })
        .toMatchObject({ type: "event", payload: { channel_id: "town", count: 1 } });
    } finally {
      socket.close();
    }
  });
});
