// `polyplug new go|python|ts`: each scaffold builds, passes the probe and the protocol
// conformance groups, and runs under a real gateway (active, intercepts, answers its command).
// The conformance contract groups are not run: they need the conformance plugin behaviour,
// which a scaffold does not implement (its conformance.yaml declares `features: []`).
import { execFile } from "node:child_process";
import { mkdirSync, symlinkSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { runProbe } from "../../src/cli/probe.js";
import { createGateway, type Gateway } from "../../src/runtime/gateway.js";
import { currentPlatformKey } from "../../src/registry/manifest.js";
import { createScaffold } from "../../src/scaffold/scaffold.js";
import type { ScaffoldLanguage } from "../../src/scaffold/scaffold-spec.js";
import { tempDir } from "../bundle/bundle-fixtures.js";
import { fixturePaths } from "../paths.js";
import { dataDir } from "../runtime/scripted-plugins.js";

const run = promisify(execFile);
const python = path.join(fixturePaths.repo, ".venv", "bin", "python");
const tsc = path.join(fixturePaths.repo, "node_modules", "typescript", "bin", "tsc");
const silentIo = { out: () => undefined, err: () => undefined, color: false, logDestination: process.stderr };

/** Builds the scaffold like its README says and returns the launch command. */
async function build(language: ScaffoldLanguage, dir: string, name: string): Promise<string[]> {
  if (language === "go") {
    const binary = `bin/${currentPlatformKey()}/${name}`;
    await run("go", ["build", "-o", binary, "."], { cwd: dir });
    return [path.join(dir, binary)];
  }
  if (language === "python") return [python, path.join(dir, "plugin.py")];
  // `npm install` would unpack the vendored SDK tarball (authors-journey.test.ts does); link the
  // SDK package directly to stay offline and fast.
  mkdirSync(path.join(dir, "node_modules", "@polyplug"), { recursive: true });
  symlinkSync(path.join(fixturePaths.gateway, "sdk"), path.join(dir, "node_modules", "@polyplug", "sdk"));
  await run(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: dir });
  return [process.execPath, path.join(dir, "dist", "plugin.js")];
}

let gateway: Gateway | undefined;
afterEach(async () => {
  await gateway?.stop();
  gateway = undefined;
});

describe.each<ScaffoldLanguage>(["go", "python", "ts"])("polyplug new %s", (language) => {
  it("builds, probes, passes the protocol conformance groups and runs under a gateway", {
    timeout: 240_000,
  }, async () => {
    const root = tempDir("polyplug-scaffold-");
    const name = `hello-${language}`;
    const scaffold = await createScaffold({ language, name, dir: path.join(root, name) });
    expect(scaffold).toMatchObject({
      id: `com.example.hello-${language}`,
      command: `hello-${language}`,
      topic: "message.will_be_posted",
    });
    const command = await build(language, scaffold.dir, name);

    const probe = await runProbe(command, {}, silentIo);
    expect(probe).toMatchObject({ ok: true, health: "SERVING" });

    const conformance = await run(
      process.execPath,
      [
        fixturePaths.bin,
        "conformance",
        "--features",
        path.join(scaffold.dir, "conformance.yaml"),
        "--cases",
        "handshake/**",
        "--cases",
        "listener/**",
        "--cases",
        "automtls/**",
        "--cases",
        "services/**",
        "--cases",
        "process/**",
        "--cases",
        "output/**",
        "--report",
        "json",
        "--",
        ...command,
      ],
      { cwd: scaffold.dir },
    ).catch((error: { stdout?: string; stderr?: string; message: string }) => ({
      stdout: error.stdout ?? "",
      stderr: `${error.message}\n${error.stderr ?? ""}`,
      failed: true,
    }));
    expect(conformance, conformance.stderr).not.toHaveProperty("failed");
    const report = JSON.parse(conformance.stdout) as { summary: { failed: number; passed: number; ok: boolean } };
    expect(report.summary).toMatchObject({ failed: 0, ok: true });
    expect(report.summary.passed).toBeGreaterThanOrEqual(12);

    // Sandbox off: the TS plugin's SDK is a link into this checkout (see build), which a sandboxed
    // plugin cannot follow; authors-journey.test.ts runs all three sandboxed, from real bundles.
    gateway = await createGateway({
      pluginsDirs: [root],
      dataDir: dataDir(),
      port: 0,
      logger: pino({ level: "silent" }),
      interpreters: { python },
      sandbox: { mode: "off" },
    });
    expect(gateway.plugin(scaffold.id)).toMatchObject({ state: "active" });
    const passed = await gateway.dispatcher.intercept("message.will_be_posted", { message: "hi" });
    expect(passed.payload).toEqual({ message: "hi", checked_by: scaffold.id });
    const rejected = await gateway.dispatcher.intercept("message.will_be_posted", { message: "a FORBIDDEN word" });
    expect(rejected).toMatchObject({ rejection: { pluginId: scaffold.id, code: "forbidden" } });
    const answer = await gateway.dispatcher.executeCommand(scaffold.command, ["Ada"], `/${scaffold.command} Ada`);
    expect(answer).toMatchObject({ text: "hello, Ada!" });
  });
});
