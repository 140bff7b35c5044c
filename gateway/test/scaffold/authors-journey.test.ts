// Issue #13's "done when", as a plugin author outside this repository would do it, with real
// processes only: for each language, `polyplug new` in a temp folder outside the checkout,
// add a rule (reject "spam"), build it as its README says, `polyplug bundle` it (Go binaries
// per os-arch, Python wheels, production node_modules), install it into a running
// `polyplug serve` through the Admin API (`plugin install --approve`: the permissions it asks for), and
// see the rule work through the public API.
// The gateway's shared Python is the bare system python3 (no grpcio): the Python plugin only
// runs in the venv the gateway builds, offline, from its bundle — with its own pinned
// dependency (`six`) that nothing else here has. Each step's time is printed, not asserted.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../bundle/bundle-fixtures.js";
import { fixturePaths } from "../paths.js";

const exec = promisify(execFile);
const cli = fixturePaths.bin;
const SYSTEM_PYTHON = "python3";
const timings: string[] = [];

async function timed<T>(label: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    timings.push(`${label.padEnd(34)} ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
}

async function sh(command: string, args: string[], cwd: string): Promise<string> {
  try {
    return (
      await exec(command, args, {
        cwd,
        maxBuffer: 16 * 1024 * 1024,
        env: { ...process.env, npm_config_update_notifier: "false" },
      })
    ).stdout;
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${command} ${args.join(" ")} failed in ${cwd}:\n${failure.message}\n${failure.stdout ?? ""}\n${failure.stderr ?? ""}`,
    );
  }
}

/** One gateway for every language: `polyplug serve` on ephemeral ports, empty plugins folder. */
interface Served {
  readonly process: ChildProcess;
  readonly publicUrl: string;
  readonly adminUrl: string;
  readonly dataDir: string;
}

async function serve(root: string): Promise<Served> {
  const dataDir = path.join(root, "data");
  const pluginsDir = path.join(root, "plugins");
  mkdirSync(pluginsDir);
  // Unsigned bundles (the author has no key yet) install under "warn"; the default, "require", has its own tests.
  const child = spawn(
    process.execPath,
    [
      cli,
      "serve",
      "--listen",
      "127.0.0.1:0",
      "--admin-listen",
      "127.0.0.1:0",
      "--plugins",
      pluginsDir,
      "--data",
      dataDir,
      "--python",
      SYSTEM_PYTHON,
      "--log-level",
      "warn",
      "--signatures",
      "warn",
    ],
    {
      cwd: root,
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let stderr = "";
  const urls = await new Promise<{ publicUrl: string; adminUrl: string }>((resolve, reject) => {
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      const publicUrl = stderr.match(/listening on (http:\/\/\S+)/)?.[1];
      const adminUrl = stderr.match(/admin API\s+(http:\/\/\S+)/)?.[1];
      if (publicUrl && adminUrl) resolve({ publicUrl, adminUrl });
    });
    child.once("exit", (code) => reject(new Error(`polyplug serve exited (${String(code)}):\n${stderr}`)));
  });
  return { process: child, ...urls, dataDir };
}

/** The Connect JSON answer of Intercept (the fields this test reads). */
interface InterceptAnswer {
  readonly allowed: boolean;
  readonly rejection?: { readonly pluginId: string; readonly code: string };
  readonly steps: readonly { readonly pluginId: string; readonly outcome: string }[];
}

async function intercept(served: Served, message: string): Promise<InterceptAnswer> {
  const response = await fetch(`${served.publicUrl}/polyplug.v1.Gateway/Intercept`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ topic: "message.will_be_posted", payload: { message } }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as InterceptAnswer;
}

/** The word each language's new rule rejects (all three plugins share one intercept chain). */
const spamWord = (language: string) => `${language}spam`;

/** Edits the scaffold's source: a second rule that rejects a word (Python's goes through its own dependency). */
function addRule(language: string, dir: string): void {
  const word = spamWord(language);
  const edit = (file: string, anchor: string, replacement: string) => {
    const text = readFileSync(path.join(dir, file), "utf8");
    expect(text, `${file} has ${anchor}`).toContain(anchor);
    writeFileSync(path.join(dir, file), text.replace(anchor, replacement));
  };
  if (language === "go") {
    edit(
      "main.go",
      `	if text, _ := payload["message"].(string); strings.Contains(strings.ToLower(text), "forbidden") {`,
      `	if text, _ := payload["message"].(string); strings.Contains(strings.ToLower(text), "${word}") {
		return polyplug.Reject("no spam here", "spam"), nil
	}
	if text, _ := payload["message"].(string); strings.Contains(strings.ToLower(text), "forbidden") {`,
    );
  } else if (language === "python") {
    edit("plugin.py", `from polyplug import`, `import six\nfrom polyplug import`);
    edit(
      "plugin.py",
      `    text = payload.get("message")\n`,
      `    text = payload.get("message")\n    if isinstance(text, str) and "${word}" in six.ensure_str(text).lower():\n        return Reject("no spam here", code="spam")\n`,
    );
    writeFileSync(
      path.join(dir, "requirements.txt"),
      `${readFileSync(path.join(dir, "requirements.txt"), "utf8")}six==1.17.0\n`,
    );
  } else {
    edit(
      "src/plugin.ts",
      `      if (String(payload.message ?? "").toLowerCase().includes("forbidden"))`,
      `      if (String(payload.message ?? "").toLowerCase().includes("${word}")) return ctx.reject("no spam here", "spam");
      if (String(payload.message ?? "").toLowerCase().includes("forbidden"))`,
    );
  }
}

/** The build steps each scaffold's README gives before bundling (Go and Python: none, `polyplug bundle` builds). */
async function buildAsReadmeSays(language: string, dir: string): Promise<void> {
  if (language !== "ts") return;
  await sh("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline"], dir);
  await sh("npm", ["run", "build"], dir);
}

const root = tempDir("polyplug-authors-");
let served: Served | undefined;

beforeAll(async () => {
  // Outside the repository: nothing under the checkout's node_modules or venv can be found by accident.
  expect(path.relative(fixturePaths.repo, root).startsWith("..")).toBe(true);
  expect(root.startsWith(tmpdir())).toBe(true);
  served = await timed("polyplug serve (start)", () => serve(root));
  // The gateway installs only signed bundles by default: the author's key, trusted by the operator.
  await sh(process.execPath, [cli, "keys", "generate", "author", "--dir", path.join(root, "keys")], root);
  mkdirSync(path.join(served.dataDir, "trusted-keys"), { recursive: true });
  copyFileSync(path.join(root, "keys", "author.pub.pem"), path.join(served.dataDir, "trusted-keys", "author.pub.pem"));
}, 60_000);

afterAll(async () => {
  if (served?.process.exitCode === null) {
    const exited = new Promise((resolve) => served?.process.once("exit", resolve));
    served.process.kill("SIGTERM");
    await exited;
  }
  process.stderr.write(`\nplugin author journey, step times:\n  ${timings.join("\n  ")}\n`);
  rmSync(root, { recursive: true, force: true });
}, 60_000);

describe.each(["go", "python", "ts"])("a %s plugin written outside the repository", (language) => {
  it("is scaffolded, gets a rule, is bundled with its dependencies, installed into a running gateway and works through the public API", {
    timeout: 900_000,
  }, async () => {
    const name = `journey-${language}`;
    const dir = path.join(root, name);
    const created = JSON.parse(
      await timed(`${language}: polyplug new`, () =>
        sh(process.execPath, [cli, "new", language, name, "--dir", dir, "--json"], root),
      ),
    ) as { ok: boolean; id: string };
    expect(created.ok).toBe(true);
    addRule(language, dir);
    await timed(`${language}: build (README steps)`, () => buildAsReadmeSays(language, dir));

    const bundleFile = path.join(root, `${name}.tar.gz`);
    const bundled = JSON.parse(
      await timed(`${language}: polyplug bundle`, () =>
        sh(
          process.execPath,
          [
            cli,
            "bundle",
            ".",
            "--out",
            bundleFile,
            "--sign",
            path.join(root, "keys", "author.key"),
            "--python",
            SYSTEM_PYTHON,
            "--json",
          ],
          dir,
        ),
      ),
    ) as { ok: boolean; bytes: number };
    expect(bundled.ok).toBe(true);
    timings.push(`${language}: bundle size`.padEnd(34) + ` ${(bundled.bytes / 1024 / 1024).toFixed(1)} MiB`);

    const entries = (await sh("tar", ["tzf", bundleFile], root)).split("\n");
    if (language === "go") {
      for (const platform of ["linux-amd64", "linux-arm64", "darwin-arm64"])
        expect(entries).toContain(`${created.id}/bin/${platform}/${name}`);
      expect(entries.some((entry) => entry.endsWith(".go"))).toBe(false);
    }
    if (language === "python") {
      expect(entries.some((entry) => /\/wheels\/six-1\.17\.0-.*\.whl$/.test(entry))).toBe(true);
      expect(entries.some((entry) => /\/wheels\/polyplug_sdk-.*\.whl$/.test(entry))).toBe(true);
      expect(entries.some((entry) => entry.includes("/.venv/"))).toBe(false);
    }
    if (language === "ts") {
      expect(entries).toContain(`${created.id}/node_modules/@polyplug/sdk/package.json`);
      expect(entries.some((entry) => entry.includes("/node_modules/typescript/"))).toBe(false);
      expect(entries.some((entry) => entry.includes("/node_modules/.bin"))).toBe(false);
    }

    if (!served) throw new Error("the gateway did not start");
    const gateway = served;
    const installed = JSON.parse(
      await timed(`${language}: polyplug plugin install`, () =>
        sh(
          process.execPath,
          [
            cli,
            "plugin",
            "install",
            bundleFile,
            "--approve",
            "--url",
            gateway.adminUrl,
            "--data",
            gateway.dataDir,
            "--json",
          ],
          root,
        ),
      ),
    ) as { plugin?: { id: string; state: string } };
    expect(installed.plugin).toMatchObject({ id: created.id, state: expect.stringMatching(/active/i) });

    const rejected = await timed(`${language}: first intercept`, () =>
      intercept(gateway, `buy cheap ${spamWord(language).toUpperCase()}`),
    );
    expect(rejected).toMatchObject({ allowed: false, rejection: { pluginId: created.id, code: "spam" } });
    const allowed = await intercept(gateway, "hello");
    expect(allowed.allowed).toBe(true);
    expect(allowed.steps).toContainEqual(
      expect.objectContaining({ pluginId: created.id, outcome: "CHAIN_STEP_OUTCOME_MODIFY" }),
    );
    if (language === "python")
      expect(existsSync(path.join(gateway.dataDir, "plugins", created.id, ".venv", "bin", "python"))).toBe(true);
  });
});
