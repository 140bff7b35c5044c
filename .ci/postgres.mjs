// A throwaway PostgreSQL cluster for tests, benchmarks and trying cluster mode: initdb into
// a fresh temp folder, start it on a unix socket in that folder and a free loopback port,
// stop it and delete the folder at the end. Nothing is assumed to be running. PostgreSQL
// refuses to run as root, so when we are root the server runs as the `postgres` system
// user (Debian's package creates it).
//
//   node .ci/postgres.mjs        starts one, prints its URL, stops it on Ctrl-C
import { execFileSync, spawn } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The folder with initdb and postgres (POLYPLUG_PG_BIN, else the newest /usr/lib/postgresql/N/bin), or undefined. */
export function findPostgresBin() {
  const fromEnv = process.env.POLYPLUG_PG_BIN;
  if (fromEnv) return existsSync(path.join(fromEnv, "initdb")) ? fromEnv : undefined;
  const base = "/usr/lib/postgresql";
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((name) => /^\d+$/.test(name) && existsSync(path.join(base, name, "bin", "initdb")))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(base, versions[0], "bin") : undefined;
}

/** Why PostgreSQL tests cannot run here, or undefined when they can. */
export function postgresUnavailableReason() {
  if (!findPostgresBin())
    return "PostgreSQL binaries not found (apt-get install postgresql, or set POLYPLUG_PG_BIN); .ci/run installs them";
  if (process.getuid?.() === 0 && runAsIds() === undefined)
    return "running as root and there is no `postgres` system user to run the server as";
  return undefined;
}

function runAsIds() {
  if (process.getuid?.() !== 0) return null; // run as ourselves
  try {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a fresh PostgreSQL cluster. Options: `fsync` (default false: tests do not need
 * crash safety of the server itself, only of acknowledged writes while it runs),
 * `maxConnections` (default 200). Resolves with { url, socketDir, port, dir, stop() }.
 * `url` connects over loopback TCP as the superuser `postgres` (trust auth, local only)
 * to the `postgres` database; `stop()` shuts the server down and deletes the folder.
 */
export async function startThrowawayPostgres(options = {}) {
  const bin = findPostgresBin();
  const reason = postgresUnavailableReason();
  if (!bin || reason) throw new Error(reason ?? "PostgreSQL binaries not found");
  const ids = runAsIds();
  const dir = mkdtempSync(path.join(tmpdir(), "polyplug-pg-"));
  const data = path.join(dir, "data");
  if (ids) chownSync(dir, ids.uid, ids.gid);
  const as = ids ? { uid: ids.uid, gid: ids.gid } : {};
  const env = { ...process.env, LC_ALL: "C", LANG: "C" };
  try {
    execFileSync(
      path.join(bin, "initdb"),
      ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"],
      { ...as, env, stdio: ["ignore", "ignore", "pipe"], cwd: dir },
    );
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${error.stderr?.toString() ?? error.message}`);
  }
  const port = await freePort();
  const args = [
    "-D",
    data,
    "-k",
    dir,
    "-p",
    String(port),
    "-c",
    "listen_addresses=127.0.0.1",
    "-c",
    `fsync=${options.fsync ? "on" : "off"}`,
    "-c",
    `max_connections=${options.maxConnections ?? 200}`,
  ];
  const server = spawn(path.join(bin, "postgres"), args, { ...as, env, cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  const exited = new Promise((resolve) => server.on("exit", (code, signal) => resolve({ code, signal })));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`PostgreSQL did not start within 60 s:\n${log}`)), 60_000);
    server.stderr.setEncoding("utf8").on("data", (chunk) => {
      if (log.length < 64 * 1024) log += chunk;
      if (log.includes("ready to accept connections")) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`PostgreSQL exited while starting:\n${log}`));
    });
  }).catch((error) => {
    server.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  let stopping;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    socketDir: dir,
    port,
    dir,
    stop() {
      stopping ??= (async () => {
        server.kill("SIGINT"); // fast shutdown: disconnects clients, no waiting for them
        await exited;
        rmSync(dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const pg = await startThrowawayPostgres({ fsync: true });
  process.stdout.write(`${pg.url}\n`);
  process.stderr.write(`PostgreSQL running in ${pg.dir}; Ctrl-C stops it and deletes the folder\n`);
  const stop = () => void pg.stop().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
