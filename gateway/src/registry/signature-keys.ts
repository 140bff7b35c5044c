import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { ErrorCode, PolyplugError } from "../errors.js";

/** A public key the gateway accepts bundle signatures from. */
export interface TrustedKey {
  /** The key's fingerprint (see `keyIdOf`); signature files name the key by it. */
  readonly keyId: string;
  /** Where the key came from (file name), for messages. */
  readonly name: string;
  readonly publicKey: KeyObject;
}

/** The folder holding trusted keys for a data folder: `<dataDir>/trusted-keys`. */
export function trustedKeysDir(dataDir: string): string {
  return path.join(dataDir, "trusted-keys");
}

/**
 * The key id of an ed25519 public key: the first 16 bytes of the SHA-256 of its DER-encoded
 * SubjectPublicKeyInfo, as 32 lower-case hex digits. It depends only on the key, so renaming
 * a key file changes nothing.
 */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash("sha256")
    .update(publicKey.export({ type: "spki", format: "der" }))
    .digest("hex")
    .slice(0, 32);
}

/** Parses a PEM public key and checks that it is ed25519. `name` is used in errors. */
export function parseTrustedKey(pem: string, name: string): TrustedKey {
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey(pem);
  } catch (cause) {
    throw new PolyplugError(ErrorCode.InvalidArgument, `${name}: not a PEM public key: ${(cause as Error).message}`, {
      cause,
    });
  }
  if (publicKey.asymmetricKeyType !== "ed25519") {
    throw new PolyplugError(
      ErrorCode.InvalidArgument,
      `${name}: a trusted key must be ed25519, this one is ${publicKey.asymmetricKeyType ?? "unknown"}`,
    );
  }
  return { keyId: keyIdOf(publicKey), name, publicKey };
}

/**
 * Loads every `*.pem` file of `dir` as a trusted ed25519 public key. A missing folder means
 * no trusted keys; a file that is not an ed25519 public key is an `invalid_argument` error.
 */
export async function loadTrustedKeys(dir: string): Promise<TrustedKey[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => name.endsWith(".pem")).sort();
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new PolyplugError(
      ErrorCode.InvalidArgument,
      `cannot read the trusted keys folder ${dir}: ${(cause as Error).message}`,
      { cause },
    );
  }
  return Promise.all(
    names.map(async (name) => parseTrustedKey(await readFile(path.join(dir, name), "utf8"), path.join(dir, name))),
  );
}

/** The files `generateSigningKey` wrote. */
export interface GeneratedKeyFiles {
  /** PKCS#8 PEM private key, mode 0600. */
  readonly privateKeyFile: string;
  /** SPKI PEM public key: copy it into a gateway's trusted-keys folder. */
  readonly publicKeyFile: string;
  readonly keyId: string;
}

/**
 * Generates an ed25519 key pair and writes `<dir>/<name>.key` (private, 0600) and
 * `<dir>/<name>.pub.pem`, creating `dir` if needed. Refuses (`failed_precondition`) to overwrite existing files.
 */
export async function generateSigningKey(dir: string, name: string): Promise<GeneratedKeyFiles> {
  if (!/^[A-Za-z0-9._-]+$/.test(name) || name.startsWith(".")) {
    throw new PolyplugError(
      ErrorCode.InvalidArgument,
      `key name ${JSON.stringify(name)} must be letters, digits, '.', '_' or '-' (a file name, not a path)`,
    );
  }
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const privateKeyFile = path.join(dir, `${name}.key`);
  const publicKeyFile = path.join(dir, `${name}.pub.pem`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(privateKeyFile, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600, flag: "wx" });
    await writeFile(publicKeyFile, publicKey.export({ type: "spki", format: "pem" }), { mode: 0o644, flag: "wx" });
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === "EEXIST") {
      throw new PolyplugError(
        ErrorCode.FailedPrecondition,
        `${(cause as NodeJS.ErrnoException).path ?? name} already exists; choose another name or delete it`,
        { cause },
      );
    }
    throw PolyplugError.from(cause);
  }
  return { privateKeyFile, publicKeyFile, keyId: keyIdOf(publicKey) };
}
