import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/** A Python plugin that rejects every message with the reason written in its source. */
export function pythonPlugin(reason: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "polyplug-dev-plugin-"));
  // mkdtemp makes it 0700: the sandboxed plugin runs under a uid of its own and must read it.
  chmodSync(dir, 0o755);
  writeFileSync(
    path.join(dir, "plugin.json"),
    JSON.stringify({
      id: "com.example.devloop",
      name: "Dev loop",
      version: "0.1.0",
      command: ["python", "plugin.py"],
      hooks: { intercept: [{ topic: "message.will_be_posted" }] },
    }),
  );
  writeFileSync(path.join(dir, "reason.py"), `REASON = ${JSON.stringify(reason)}\n`);
  writeFileSync(
    path.join(dir, "plugin.py"),
    [
      "from polyplug import Plugin, Reject",
      "from reason import REASON",
      'plugin = Plugin(id="com.example.devloop", version="0.1.0")',
      '@plugin.intercept("message.will_be_posted")',
      "def check(ctx, payload):",
      "    return Reject(REASON)",
      'if __name__ == "__main__":',
      "    plugin.serve()",
      "",
    ].join("\n"),
  );
  return dir;
}

export async function intercept(url: string): Promise<{ allowed: boolean; rejection?: { reason: string } }> {
  const response = await fetch(`${url}/polyplug.v1.Gateway/Intercept`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ topic: "message.will_be_posted", payload: { message: "hello" } }),
  });
  return (await response.json()) as { allowed: boolean; rejection?: { reason: string } };
}
