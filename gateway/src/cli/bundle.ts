import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { PolyplugError } from "../errors.js";
import { packBundle, readBundle } from "../registry/bundle.js";
import { readManifest } from "../registry/manifest.js";
import { readSigningKey } from "../registry/signature.js";
import { loadTrustedKeys, trustedKeysDir } from "../registry/signature-keys.js";
import { paint, type CliIo } from "./io.js";

interface PackOptions {
  out?: string;
  sign?: string;
  json?: boolean;
  /** False with `--no-build`. */
  build?: boolean;
  python?: string;
}

interface VerifyOptions {
  trustedKeys?: string;
  dataDir?: string;
  requireSignature?: boolean;
  signature?: string;
  json?: boolean;
}

type Outcome = { ok: true } & Record<string, unknown>;

/** Prints a failure (JSON or human) and returns exit code 1. */
function reportFailure(io: CliIo, json: boolean | undefined, what: string, error: unknown): number {
  const failure = PolyplugError.from(error);
  if (json) io.out(`${JSON.stringify({ ok: false, error: failure.toJSON() })}\n`);
  else
    io.err(
      `${paint(io.color).red(`✖ ${what} failed`)} ${paint(io.color).dim(`[${failure.code}]`)}\n${failure.message}\n`,
    );
  return 1;
}

async function pack(dir: string, options: PackOptions, io: CliIo): Promise<Outcome> {
  const signingKey = options.sign ? await readSigningKey(options.sign) : undefined;
  const { manifest } = await readManifest(dir);
  const out = path.resolve(options.out ?? `${manifest.id}-${manifest.version}.tar.gz`);
  let lastShown = 0;
  const build =
    options.build === false
      ? undefined
      : {
          ...(options.python ? { python: options.python } : {}),
          onStep: (step: string) => void (options.json ? undefined : io.err(`  ${step}\n`)),
        };
  const packed = await packBundle(dir, out, {
    ...(signingKey ? { signingKey } : {}),
    ...(build ? { build } : {}),
    onProgress: (done, total) => {
      if (options.json) return;
      // Progress on stderr: in place on a terminal, a line per 25% otherwise.
      if (io.color) io.err(`\r  packing ${done}/${total} files${done === total ? "\n" : ""}`);
      else if (done === total || (done / total) * 4 >= lastShown + 1) {
        lastShown = Math.floor((done / total) * 4);
        io.err(`  packing ${done}/${total} files\n`);
      }
    },
  });
  return {
    ok: true,
    file: packed.file,
    bytes: packed.bytes,
    sha256: packed.sha256,
    id: packed.manifest.id,
    version: packed.manifest.version,
    ...(packed.signature ? { signature: { file: packed.signature.file, keyId: packed.signature.content.keyId } } : {}),
  };
}

async function verify(file: string, options: VerifyOptions): Promise<Outcome> {
  const keysDir = options.trustedKeys ?? (options.dataDir ? trustedKeysDir(options.dataDir) : undefined);
  const trustedKeys = keysDir ? await loadTrustedKeys(keysDir) : [];
  const signature = options.signature ? await readFile(options.signature) : undefined;
  const bundle = await readBundle(path.resolve(file), {
    trustedKeys,
    requireSignature: options.requireSignature ?? false,
    ...(signature ? { signature } : {}),
  });
  try {
    return {
      ok: true,
      file: path.resolve(file),
      sha256: bundle.sha256,
      id: bundle.manifest.id,
      version: bundle.manifest.version,
      signature: bundle.signature,
    };
  } finally {
    await bundle.cleanup();
  }
}

/** Registers `polyplug bundle DIR` (pack) and `polyplug bundle verify FILE`. */
export function registerBundle(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  const c = paint(io.color);
  const bundle = program
    .command("bundle")
    .description(
      "pack a plugin folder into a .tar.gz bundle (optionally signed) with what it needs to run — Go binaries per os-arch, Python wheels, production node_modules — honouring .gitignore and .polyplugignore; or verify one",
    )
    .argument("<dir>", "the plugin folder (with plugin.json or plugin.yaml)")
    .option("--out <file>", "where to write the bundle (default: ./<id>-<version>.tar.gz)")
    .option(
      "--sign <keyfile>",
      "sign with this ed25519 private key (from `polyplug keys generate`); writes <bundle>.sig",
    )
    .option("--no-build", "pack the folder as it is: no Go cross-build, no Python wheels, no production node_modules")
    .option(
      "--python <python>",
      "the Python whose pip builds the wheels of requirements.txt (use the gateway's Python version)",
      "python3",
    )
    .option("--json", "print exactly one JSON object on stdout")
    // `bundle verify` has its own options (--json too): parse them there, not here.
    .enablePositionalOptions()
    .action(async (dir: string, options: PackOptions) => {
      try {
        const result = await pack(dir, options, io);
        if (options.json) io.out(`${JSON.stringify(result)}\n`);
        else {
          io.out(
            `${c.green("✔ bundle written")} ${String(result.file)} (${String(result.bytes)} bytes)\n  plugin  ${String(result.id)} ${String(result.version)}\n  sha256  ${String(result.sha256)}\n`,
          );
          const signature = result.signature as { file: string; keyId: string } | undefined;
          if (signature) io.out(`  signed  key ${signature.keyId} → ${signature.file}\n`);
        }
        setExitCode(0);
      } catch (error) {
        setExitCode(reportFailure(io, options.json, "bundle", error));
      }
    });
  bundle
    .command("verify")
    .description(
      "check a bundle like `plugin install` does (limits, paths, links, manifest, signature) without installing it",
    )
    .argument("<file>", "the .tar.gz bundle (its signature is read from <file>.sig when present)")
    .option("--trusted-keys <dir>", "folder of trusted ed25519 public keys (*.pem)")
    .option("--data-dir <dir>", "use <dir>/trusted-keys as the trusted keys folder")
    .option("--signature <file>", "the detached signature (default: <file>.sig)")
    .option("--require-signature", "fail unless the bundle is signed by a trusted key")
    .option("--json", "print exactly one JSON object on stdout")
    .action(async (file: string, options: VerifyOptions) => {
      try {
        const result = await verify(file, options);
        const signature = result.signature as { signed: boolean; keyId?: string };
        if (options.json) io.out(`${JSON.stringify(result)}\n`);
        else {
          const signedText = signature.signed
            ? c.green(`signed by trusted key ${signature.keyId ?? ""}`)
            : signature.keyId
              ? c.yellow(`signed by untrusted key ${signature.keyId}`)
              : c.yellow("not signed");
          io.out(
            `${c.green("✔ bundle is valid")} ${String(result.file)}\n  plugin     ${String(result.id)} ${String(result.version)}\n  sha256     ${String(result.sha256)}\n  signature  ${signedText}\n`,
          );
        }
        setExitCode(0);
      } catch (error) {
        setExitCode(reportFailure(io, options.json, "bundle verification", error));
      }
    });
}
