// The bundled CLI (issue 17, start-up): bin/polyplug.js runs dist/cli-bundle/polyplug.cjs
// (esbuild, built by setup after tsc; compiled with V8's code cache beside it) while it is at
// least as new as the tsc output, and dist/'s modules otherwise or with POLYPLUG_BUNDLE=0;
// `polyplug serve` through the bundle answers the public Intercept with its plugin's decision.
// Real processes: the launcher is run on a fake dist (which file ran is what it prints), the
// real bin on the real bundle with a resolve hook recording the ES modules it loaded.
import { execFile } from "node:child_process";
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { resolveLogFlags } from "../fixtures/resolve-log.js";
import { killServes, serveArgs, serveRoot, spawnServe } from "../fixtures/serve-process.js";
import { fixturePaths } from "../paths.js";

const dist = path.join(fixturePaths.gateway, "dist");

/** A copy of bin/polyplug.js beside a fake dist/ whose two entries print which one ran. */
function fakeInstall(): { bin: string; at: (file: "bundle" | "modules", seconds: number) => void } {
  const root = mkdtempSync(path.join(tmpdir(), "polyplug-launcher-"));
  mkdirSync(path.join(root, "bin"));
  mkdirSync(path.join(root, "dist", "cli"), { recursive: true });
  mkdirSync(path.join(root, "dist", "cli-bundle"));
  const bin = path.join(root, "bin", "polyplug.js");
  copyFileSync(fixturePaths.bin, bin);
  writeFileSync(path.join(root, "package.json"), '{"type":"module"}');
  const files = {
    bundle: path.join(root, "dist", "cli-bundle", "polyplug.cjs"),
    modules: path.join(root, "dist", "cli", "run.js"),
  };
  for (const [name, file] of Object.entries(files)) writeFileSync(file, `console.log(${JSON.stringify(name)});`);
  return { bin, at: (file, seconds) => utimesSync(files[file], seconds, seconds) };
}

async function ran(bin: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [bin], { env: { ...process.env, ...env } });
  return stdout.trim();
}

describe("the polyplug launcher", () => {
  it("runs the bundle while it is at least as new as dist/, else dist/'s modules; POLYPLUG_BUNDLE=0 forces the modules", async () => {
    const install = fakeInstall();
    install.at("modules", 1_000);
    install.at("bundle", 2_000);
    expect(await ran(install.bin, { POLYPLUG_BUNDLE: undefined })).toBe("bundle");
    expect(await ran(install.bin, { POLYPLUG_BUNDLE: "0" })).toBe("modules");
    // Same mtime: what `npm pack` leaves (every file dated alike) still runs the bundle.
    install.at("modules", 2_000);
    expect(await ran(install.bin, { POLYPLUG_BUNDLE: undefined })).toBe("bundle");
    // A tsc build after the last bundle: the bundle is stale, the fresh modules run.
    install.at("modules", 3_000);
    expect(await ran(install.bin, { POLYPLUG_BUNDLE: undefined })).toBe("modules");
  }, 30_000);

  it("writes V8's code cache beside the bundle on a run without one, and a corrupt cache is only recompiled", async () => {
    const install = fakeInstall();
    install.at("modules", 1_000);
    const cache = path.join(path.dirname(install.bin), "..", "dist", "cli-bundle", "polyplug.cjs.v8cache");
    expect(await ran(install.bin, { POLYPLUG_BUNDLE: undefined })).toBe("bundle");
    expect(readFileSync(cache).length).toBeGreaterThan(0);
    expect(await ran(install.bin, { POLYPLUG_BUNDLE: undefined })).toBe("bundle");
    writeFileSync(cache, "not a code cache");
    expect(await ran(install.bin, { POLYPLUG_BUNDLE: undefined })).toBe("bundle");
    expect(readFileSync(cache, "utf8")).not.toBe("not a code cache");
  }, 30_000);

  it("without a bundle (a build that skipped it) runs dist/'s modules", async () => {
    const install = fakeInstall();
    rmSync(path.join(path.dirname(install.bin), "..", "dist", "cli-bundle"), { recursive: true });
    expect(await ran(install.bin, { POLYPLUG_BUNDLE: undefined })).toBe("modules");
  }, 30_000);
});

afterEach(killServes);

describe("the bundled CLI", () => {
  it("`polyplug serve` through bin/polyplug.js loads the bundle (not dist/'s modules) and answers an Intercept with its plugin's decision", async () => {
    const root = serveRoot("polyplug-bundled-");
    cpSync(path.join(fixturePaths.examplesGo, "plugins", "wordfilter"), path.join(root, "plugins", "wordfilter"), {
      recursive: true,
    });
    const log = path.join(root, "resolved.txt");
    const served = spawnServe(serveArgs(root, ["--log-format", "json"]), {
      nodeArgs: resolveLogFlags(log),
      env: { POLYPLUG_BUNDLE: undefined },
    });
    const url = await served.banner();
    const answer = await fetch(`${url}/polyplug.v1.Gateway/Intercept`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ topic: "message.will_be_posted", payload: { message: "this is forbidden" } }),
    });
    expect(answer.status).toBe(200);
    const json = (await answer.json()) as { allowed?: boolean; rejection?: { pluginId?: string } };
    expect(json.allowed ?? false, JSON.stringify(json) + served.output()).toBe(false);
    expect(json.rejection?.pluginId).toBe("com.polyplug.example.wordfilter");
    served.child.kill("SIGTERM");
    await served.exited;

    // The CLI ran (it answered) without a single module of dist/: the bundle (compiled by the
    // launcher through vm.Script, so not seen by the ESM loader) ran it.
    const loaded = readFileSync(log, "utf8").split("\n");
    expect(loaded).toContain(pathToFileURL(fixturePaths.bin).href);
    expect(loaded.filter((url) => url.startsWith(pathToFileURL(dist).href))).toEqual([]);
  }, 90_000);
});
