import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import { startAdminServer, type AdminServer } from "../../src/admin/admin-server.js";
import { ensureAdminToken, type AdminToken } from "../../src/admin/auth.js";
import type { SignaturePolicy } from "../../src/registry/signature.js";
import { createGateway, type Gateway } from "../../src/runtime/gateway.js";
import { createLogTap } from "../../src/runtime/log-tap.js";
import { fixturePaths } from "../paths.js";
import { dataDir } from "../runtime/scripted-plugins.js";

/** Settings of the scripted plugin "p.alpha" (the others have none). */
export const ALPHA_SETTINGS = [
  { key: "mode", type: "select", options: [{ value: "mask" }, { value: "reject" }], default: "mask" },
  { key: "limit", type: "number", min: 1, max: 10, default: 5 },
];

/** A plugin folder for the scripted Go plugin, with a manifest of our choosing. */
export function scriptedFolder(
  root: string,
  id: string,
  version: string,
  extra: Record<string, unknown> = {},
  env: Record<string, string> = {},
): string {
  const dir = path.join(root, id);
  mkdirSync(dir, { recursive: true });
  const manifest = {
    id,
    name: `Scripted ${id}`,
    version,
    command: [fixturePaths.goScripted],
    env: { SCRIPTED_PLUGIN_ID: id, SCRIPTED_COMMAND: `cmd-${id.replace(/\W/g, "")}`, ...env },
    // The scripted plugin uses KV and PublishEvent on request.
    permissions: { api: ["log", "config", "kv", "events"] },
    hooks: { intercept: [{ topic: "test.*" }], notify: [{ topic: "test.*" }] },
    ...extra,
  };
  writeFileSync(path.join(dir, "plugin.json"), JSON.stringify(manifest, null, 2));
  return dir;
}

/** A real gateway with two scripted plugins and its real admin server. */
export interface AdminFixture {
  readonly gateway: Gateway;
  readonly admin: AdminServer;
  readonly token: AdminToken;
  readonly dataDir: string;
  /** Runs the real CLI (`node bin/polyplug.js ARGS --url … --data …`). */
  cli(args: readonly string[], options?: { auth?: boolean }): Promise<CliResult>;
  /** Starts the CLI and leaves it running (for -f). */
  spawnCli(args: readonly string[]): ChildProcess;
  close(): Promise<void>;
}

/** Exit code and output of one CLI run. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of startAdminFixture: the signature policy (default: the server's, "require"), other settings for p.alpha, more plugin folders. */
export interface AdminFixtureOptions {
  readonly signaturePolicy?: SignaturePolicy;
  readonly alphaSettings?: readonly unknown[];
  /** Writes more plugin folders into the plugins folder before the gateway starts. */
  readonly addFolders?: (root: string) => void;
}

export async function startAdminFixture(options: AdminFixtureOptions = {}): Promise<AdminFixture> {
  const root = mkdtempSync(path.join(tmpdir(), "polyplug-admin-plugins-"));
  scriptedFolder(root, "p.alpha", "1.0.0", { settings: options.alphaSettings ?? ALPHA_SETTINGS });
  scriptedFolder(root, "p.beta", "1.0.0");
  options.addFolders?.(root);
  const data = dataDir();
  const logTap = createLogTap();
  const logger = pino({ level: "debug" }, logTap.stream);
  const token = await ensureAdminToken(data);
  const gateway = await createGateway({
    pluginsDirs: [root],
    dataDir: data,
    port: 0,
    logger,
    logTap,
    policy: { restartBaseMs: 50, restartMaxMs: 100 },
  });
  const admin = await startAdminServer({
    gateway,
    port: 0,
    token,
    logger,
    ...(options.signaturePolicy ? { signaturePolicy: options.signaturePolicy } : {}),
  });
  const argv = (args: readonly string[], auth: boolean) => [
    fixturePaths.bin,
    ...args,
    ...(args.includes("--url") ? [] : ["--url", admin.url]),
    ...(auth ? ["--data", data] : ["--data", path.join(data, "nowhere")]),
  ];
  return {
    gateway,
    admin,
    token,
    dataDir: data,
    cli: (args, options = {}) =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, argv(args, options.auth ?? true), {
          cwd: fixturePaths.repo,
          env: { ...process.env, NO_COLOR: "1" },
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
      }),
    spawnCli: (args) =>
      spawn(process.execPath, argv(args, true), { cwd: fixturePaths.repo, env: { ...process.env, NO_COLOR: "1" } }),
    async close() {
      await admin.close();
      await gateway.stop();
    },
  };
}

/** Resolves with the child's stdout lines once `predicate` holds for them (or rejects after `ms`). */
export function waitForLines(
  child: ChildProcess,
  predicate: (lines: string[]) => boolean,
  ms = 15_000,
): Promise<string[]> {
  return new Promise((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => reject(new Error(`timed out; output so far:\n${text}`)), ms);
    child.stdout?.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      const lines = text.split("\n").filter((line) => line !== "");
      if (predicate(lines)) {
        clearTimeout(timer);
        resolve(lines);
      }
    });
  });
}
