// A description of the machine the numbers were measured on.
import { execFileSync } from "node:child_process";
import os from "node:os";
import { paths } from "./paths.mjs";

/** @param {string} command @param {string[]} args */
function versionOf(command, args) {
  try {
    return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  } catch {
    return "unavailable";
  }
}

/**
 * CPU model, cores, memory, OS and the Node, Go and Python versions used.
 * @returns {Record<string, string | number>}
 */
export function describeMachine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? "unknown",
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    go: versionOf("go", ["env", "GOVERSION"]),
    python: versionOf(paths.python, [
      "-c",
      "import sys, grpc; print(sys.version.split()[0] + ' (grpcio ' + grpc.__version__ + ')')",
    ]),
  };
}
