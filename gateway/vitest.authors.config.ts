import { defineConfig } from "vitest/config";
import { sdkSourceAlias } from "./sdk-source-alias.js";

/**
 * The plugin-author suite: `polyplug new` → bundle → install per language, and every shell
 * command of the SDK READMEs, outside the repository with real pip, npm and go (cross-)builds.
 * Minutes, not seconds: .ci/test-all.mjs runs it as a suite of its own.
 */
export const AUTHORS_SUITE = ["test/scaffold/authors-journey.test.ts", "test/docs/readme-commands.test.ts"];

export default defineConfig({
  resolve: { alias: sdkSourceAlias },
  test: {
    include: AUTHORS_SUITE,
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 900_000,
    hookTimeout: 120_000,
    // The steps are CPU-heavy builds already: one file at a time.
    maxWorkers: 1,
  },
});
