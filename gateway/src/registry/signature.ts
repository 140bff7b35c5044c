import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { z } from "zod";
import { ErrorCode, PolyplugError } from "../errors.js";
import { keyIdOf, type TrustedKey } from "./signature-keys.js";

/**
 * Detached bundle signatures.
 *
 * The signed bytes are the ASCII string `polyplug-bundle-v1:sha256:` followed by the
 * bundle file's SHA-256 as 64 lower-case hex digits (no newline). Signing the digest keeps
 * signatures small and lets a bundle be verified before it is unpacked; the prefix keeps a
 * signature made for a bundle from being valid for anything else.
 *
 * The signature file sits next to the bundle as `<bundle>.sig` and holds JSON:
 * `{"keyId": "<32 hex>", "algorithm": "ed25519", "signature": "<base64>"}`.
 */
export const SIGNED_MESSAGE_PREFIX = "polyplug-bundle-v1:sha256:";

/** The JSON of a `.sig` file. */
export interface SignatureFile {
  readonly keyId: string;
  readonly algorithm: "ed25519";
  readonly signature: string;
}

const signatureFileSchema = z.object({
  keyId: z.string().regex(/^[0-9a-f]{32}$/, "must be 32 lower-case hex digits"),
  algorithm: z.literal("ed25519"),
  signature: z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/, "must be base64"),
});

/** What a signature check concluded. */
export interface SignatureStatus {
  /** True only when the signature verified against a trusted key. */
  readonly signed: boolean;
  /** The key id the signature names (also when the key is not trusted). */
  readonly keyId?: string;
}

/** The exact bytes signed for a bundle with this SHA-256 (hex). */
export function signedMessage(sha256: string): Buffer {
  return Buffer.from(`${SIGNED_MESSAGE_PREFIX}${sha256.toLowerCase()}`, "ascii");
}

/** The conventional signature file of a bundle. */
export function signatureFileFor(bundleFile: string): string {
  return `${bundleFile}.sig`;
}

/** Loads an ed25519 private key (PKCS#8 PEM, as `polyplug keys generate` writes). */
export async function readSigningKey(file: string): Promise<KeyObject> {
  let key: KeyObject;
  try {
    key = createPrivateKey(await readFile(file, "utf8"));
  } catch (cause) {
    throw new PolyplugError(ErrorCode.InvalidArgument, `${file}: not a PEM private key: ${(cause as Error).message}`, { cause });
  }
  if (key.asymmetricKeyType !== "ed25519") throw new PolyplugError(ErrorCode.InvalidArgument, `${file}: signing keys must be ed25519, this one is ${key.asymmetricKeyType ?? "unknown"}`);
  return key;
}

/** Signs a bundle digest; returns the signature file's content. */
export function signBundleDigest(sha256: string, privateKey: KeyObject): SignatureFile {
  const signature = sign(null, signedMessage(sha256), privateKey).toString("base64");
  return { keyId: keyIdOf(createPublicKey(privateKey)), algorithm: "ed25519", signature };
}

/** Signs a bundle digest and writes `<bundleFile>.sig`; returns the file name and content. */
export async function writeBundleSignature(bundleFile: string, sha256: string, privateKey: KeyObject): Promise<{ file: string; signature: SignatureFile }> {
  const signature = signBundleDigest(sha256, privateKey);
  const file = signatureFileFor(bundleFile);
  await writeFile(file, `${JSON.stringify(signature, null, 2)}\n`, { mode: 0o644 });
  return { file, signature };
}

/** Parses `.sig` file contents; `permission_denied` when malformed. */
export function parseSignatureFile(contents: Uint8Array | string): SignatureFile {
  const text = typeof contents === "string" ? contents : Buffer.from(contents).toString("utf8");
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new PolyplugError(ErrorCode.PermissionDenied, `bundle signature is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  const parsed = signatureFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `field ${issue.path.map(String).join(".") || "(top level)"}: ${issue.message}`).join("; ");
    throw new PolyplugError(ErrorCode.PermissionDenied, `bundle signature is malformed: ${issues}`);
  }
  return parsed.data;
}

/**
 * Checks a bundle's detached signature against the trusted keys.
 * - No signature: `{signed: false}`, or `permission_denied` when `requireSignature`.
 * - Malformed, or made by a trusted key but not matching the bundle: always `permission_denied`.
 * - Made by a key that is not trusted: `{signed: false, keyId}`, or `permission_denied` when `requireSignature`.
 */
export function checkBundleSignature(sha256: string, signature: Uint8Array | string | undefined, trustedKeys: readonly TrustedKey[], requireSignature: boolean): SignatureStatus {
  if (signature === undefined) {
    if (requireSignature) throw new PolyplugError(ErrorCode.PermissionDenied, "bundle is not signed and a signature is required (sign it with `polyplug bundle DIR --sign KEYFILE`)");
    return { signed: false };
  }
  const file = parseSignatureFile(signature);
  const key = trustedKeys.find((candidate) => candidate.keyId === file.keyId);
  if (!key) {
    if (requireSignature) {
      throw new PolyplugError(ErrorCode.PermissionDenied, `bundle is signed by key ${file.keyId}, which is not a trusted key (trusted: ${trustedKeys.map((k) => k.keyId).join(", ") || "none"})`, {
        details: { keyId: file.keyId },
      });
    }
    return { signed: false, keyId: file.keyId };
  }
  let valid: boolean;
  try {
    valid = verify(null, signedMessage(sha256), key.publicKey, Buffer.from(file.signature, "base64"));
  } catch {
    valid = false;
  }
  if (!valid) {
    throw new PolyplugError(ErrorCode.PermissionDenied, `bundle signature does not match the bundle (key ${file.keyId} from ${key.name}): the bundle or its .sig was altered`, {
      details: { keyId: file.keyId },
    });
  }
  return { signed: true, keyId: file.keyId };
}
