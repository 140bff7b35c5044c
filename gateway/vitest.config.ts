import { defineConfig } from "vitest/config";
import { sdkSourceAlias } from "./sdk-source-alias.js";
import { AUTHORS_SUITE } from "./vitest.authors.config.js";

export default defineConfig({
  resolve: { alias: sdkSourceAlias },
  test: {
    include: ["src/**/*.test.ts", "sdk/src/**/*.test.ts", "test/**/*.test.ts"],
    // Minutes of pip/npm/go builds: their own suite (vitest.authors.config.ts).
    exclude: ["**/node_modules/**", ...AUTHORS_SUITE],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Real plugin processes: keep parallelism modest on small machines.
    maxWorkers: 2,
  },
});
