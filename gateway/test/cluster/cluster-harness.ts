import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Client } from "@connectrpc/connect";
import { connectAdmin } from "../../src/cli/admin-client.js";
import type { Admin } from "@polyplug/sdk/internal/gen/polyplug/v1/admin_pb.js";
import { fixturePaths } from "../paths.js";

/** One real `polyplug serve` process of a test cluster. */
export interface ClusterNodeProcess {
  readonly nodeId: string;
  readonly dataDir: string;
  readonly publicUrl: string;
  readonly adminUrl: string;
  readonly admin: Client<typeof Admin>;
  readonly process: ChildProcess;
  /** Everything it wrote to stderr so far (for failure messages). */
  log(): string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour escapes (ESC [ … m) from CLI output
const strip = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, "");

/**
 * Starts `polyplug serve` on loopback ports picked by the OS, sharing `database`, with its
 * own data folder under `root` (unsigned test bundles: `--signatures off`); resolves once it printed its banner (its plugins started
 * and it joined the cluster).
 */
export async function startClusterNode(root: string, nodeId: string, database: string): Promise<ClusterNodeProcess> {
  const dataDir = path.join(root, nodeId);
  const pluginsDir = path.join(root, `${nodeId}-plugins`);
  mkdirSync(pluginsDir, { recursive: true });
  const child = spawn(
    process.execPath,
    [
      fixturePaths.bin,
      "serve",
      "--listen",
      "127.0.0.1:0",
      "--admin-listen",
      "127.0.0.1:0",
      "--data",
      dataDir,
      "--plugins",
      pluginsDir,
      "--database",
      database,
      "--node-id",
      nodeId,
      "--log-level",
      "warn",
      "--signatures",
      "off",
    ],
    { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, NO_COLOR: "1" } },
  );
  let stderr = "";
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const urls = await new Promise<{ publicUrl: string; adminUrl: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${nodeId} did not start within 60 s:\n${stderr}`)), 60_000);
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
      if (stderr.length > 256 * 1024) stderr = stderr.slice(-128 * 1024);
      const text = strip(stderr);
      const publicUrl = /Polyplug gateway listening on (http:\/\/\S+)/.exec(text)?.[1];
      const adminUrl = /admin API\s+(http:\/\/\S+)/.exec(text)?.[1];
      if (publicUrl && adminUrl) {
        clearTimeout(timer);
        resolve({ publicUrl, adminUrl });
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${nodeId} exited while starting:\n${stderr}`));
    });
  });
  const admin = await connectAdmin({ url: urls.adminUrl, data: dataDir });
  return { nodeId, dataDir, ...urls, admin, process: child, log: () => stderr, exited };
}

/** POSTs a Connect JSON call to a node's public API; resolves with the parsed answer (throws on a non-200). */
export async function callGateway(
  node: Pick<ClusterNodeProcess, "publicUrl">,
  method: "Intercept" | "Notify",
  body: unknown,
): Promise<Record<string, unknown>> {
  const response = await fetch(`${node.publicUrl}/polyplug.v1.Gateway/${method}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${method} answered ${response.status}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** Runs the scripted plugin's KV op through Intercept on `node`; resolves with payload.result. */
export async function kvThrough(
  node: Pick<ClusterNodeProcess, "publicUrl">,
  op: "set" | "get",
  key: string,
  value = "",
): Promise<unknown> {
  const answer = await callGateway(node, "Intercept", { topic: "test.kv", payload: { kv: { op, key, value } } });
  return (answer.payload as Record<string, unknown> | undefined)?.result;
}
