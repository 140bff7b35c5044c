import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { PolyplugError } from "../errors.js";
import { generateSigningKey, parseTrustedKey } from "../registry/signature-keys.js";
import { paint, type CliIo } from "./io.js";

interface KeysOptions {
  dir?: string;
  json?: boolean;
}

function fail(io: CliIo, json: boolean | undefined, what: string, error: unknown): number {
  const failure = PolyplugError.from(error);
  if (json) io.out(`${JSON.stringify({ ok: false, error: failure.toJSON() })}\n`);
  else
    io.err(
      `${paint(io.color).red(`✖ ${what} failed`)} ${paint(io.color).dim(`[${failure.code}]`)}\n${failure.message}\n`,
    );
  return 1;
}

/** Registers `polyplug keys generate NAME` and `polyplug keys id FILE`. */
export function registerKeys(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  const c = paint(io.color);
  const keys = program.command("keys").description("ed25519 keys for signing plugin bundles");
  keys
    .command("generate")
    .description(
      "generate a signing key pair: NAME.key (private, mode 0600) and NAME.pub.pem (copy it into a gateway's <dataDir>/trusted-keys/)",
    )
    .argument("<name>", "file name for the key pair (letters, digits, '.', '_', '-')")
    .option("--dir <dir>", "where to write the files (default: the current folder)")
    .option("--json", "print exactly one JSON object on stdout")
    .action(async (name: string, options: KeysOptions) => {
      try {
        const files = await generateSigningKey(path.resolve(options.dir ?? "."), name);
        if (options.json) io.out(`${JSON.stringify({ ok: true, ...files })}\n`);
        else
          io.out(
            `${c.green("✔ key pair written")}\n  private  ${files.privateKeyFile} ${c.dim("(keep it secret)")}\n  public   ${files.publicKeyFile}\n  key id   ${files.keyId}\n`,
          );
        setExitCode(0);
      } catch (error) {
        setExitCode(fail(io, options.json, "key generation", error));
      }
    });
  keys
    .command("id")
    .description("print the key id (fingerprint) of an ed25519 public key, as signatures name it")
    .argument("<file>", "a PEM public key")
    .option("--json", "print exactly one JSON object on stdout")
    .action(async (file: string, options: KeysOptions) => {
      try {
        const key = parseTrustedKey(await readFile(file, "utf8"), file);
        if (options.json) io.out(`${JSON.stringify({ ok: true, file, keyId: key.keyId })}\n`);
        else io.out(`${key.keyId}\n`);
        setExitCode(0);
      } catch (error) {
        setExitCode(fail(io, options.json, "reading the key", error));
      }
    });
}
