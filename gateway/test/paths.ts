import path from "node:path";
import { fileURLToPath } from "node:url";

const gateway = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const repo = path.resolve(gateway, "..");

/** Absolute paths of the things integration tests run. */
export const fixturePaths = {
  repo,
  gateway,
  examplesGo: path.join(repo, "examples-go"),
  goHostFixture: path.join(repo, "examples-go", "bin", "hostfixture"),
  goScripted: path.join(repo, "examples-go", "bin", "scripted"),
  cli: path.join(gateway, "dist", "cli", "main.js"),
  bin: path.join(gateway, "bin", "polyplug.js"),
  /** A tiny Node program from test/fixtures/. */
  nodeFixture: (name: string) => path.join(gateway, "test", "fixtures", name),
};
