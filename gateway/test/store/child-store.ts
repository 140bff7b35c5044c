import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import ts from "typescript";
import { fixturePaths } from "../paths.js";

/**
 * Transpiles the store sources (src/store, src/errors.ts) into a temp directory that a
 * plain `node` child process can import (tests cannot run TypeScript in children), with
 * node_modules linked so `better-sqlite3` resolves. Returns the path of sqlite-store.js
 * and a cleanup function.
 */
export function buildStoreForChild(): { storeModule: string; cleanup(): void } {
  const out = mkdtempSync(path.join(tmpdir(), "polyplug-child-store-"));
  const src = path.join(fixturePaths.gateway, "src");
  const sources = [
    "errors.ts",
    ...readdirSync(path.join(src, "store"))
      .filter((name) => name.endsWith(".ts") && !name.endsWith(".test.ts"))
      .map((name) => path.join("store", name)),
  ];
  for (const relative of sources) {
    const { outputText } = ts.transpileModule(readFileSync(path.join(src, relative), "utf8"), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
      fileName: relative,
    });
    const target = path.join(out, "src", relative.replace(/\.ts$/, ".js"));
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, outputText);
  }
  writeFileSync(path.join(out, "package.json"), JSON.stringify({ type: "module" }));
  symlinkSync(path.join(fixturePaths.repo, "node_modules"), path.join(out, "node_modules"));
  return {
    storeModule: path.join(out, "src", "store", "sqlite-store.js"),
    cleanup: () => rmSync(out, { recursive: true, force: true }),
  };
}

/** Absolute path of a child program in test/store/fixtures. */
export const storeFixture = (name: string): string =>
  path.join(fixturePaths.gateway, "test", "store", "fixtures", name);
