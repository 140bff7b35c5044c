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
 * `{"keyId": "<32 hex>", "algorithm": "ed25519", "signature": "<base64>", "publicKey": "<base64 SPKI DER>"}`.
 * `publicKey` (written since signature policies exist) lets the gateway check that a signature
 * matches the bundle even when the key is not trusted, so a signature made for another bundle
 * is refused whoever made it; `keyId` must be that key's id.
 */
export const SIGNED_MESSAGE_PREFIX = "polyplug-bundle-v1:sha256:";

/** The JSON of a `.sig` file. */
export interface SignatureFile {
  readonly keyId: string;
  readonly algorithm: "ed25519";
  readonly signature: string;
  /** The signer's ed25519 public key, SPKI DER, base64. */
  readonly publicKey?: string;
}

const signatureFileSchema = z.object({
  keyId: z.string().regex(/^[0-9a-f]{32}$/, "must be 32 lower-case hex digits"),
  algorithm: z.literal("ed25519"),
  signature: z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/, "must be base64"),
  publicKey: z
    .string()
    .max(1024)
    .regex(/^[A-Za-z0-9+/]+={0,2}$/, "must be base64")
    .optional(),
});

/**
 * Server-side signature policy (serve config `signatures`):
 * - `require`: only bundles signed by a trusted key install (the default);
 * - `warn`: unsigned bundles and bundles signed by an untrusted key install, with a warning in
 *   the log and the install answer;
 * - `off`: they install without a warning.
 * Whatever the policy, a signature that does not match the bundle, or cannot be checked, is refused.
 */
export const SIGNATURE_POLICIES = ["require", "warn", "off"] as const;
/** One of SIGNATURE_POLICIES. */
export type SignaturePolicy = (typeof SIGNATURE_POLICIES)[number];
/** The policy when the serve config names none. */
export const DEFAULT_SIGNATURE_POLICY: SignaturePolicy = "require";

/** Who vouches for a bundle: a trusted key, a key the gateway does not trust, or nobody. */
export type SignatureTrust = "trusted" | "untrusted" | "unsigned";

/** What a signature check concluded. */
export interface SignatureStatus {
  /** True only when the signature verified against a trusted key. */
  readonly signed: boolean;
  /** `untrusted`: the signature matches the bundle but its key is not among the trusted keys. */
  readonly trust: SignatureTrust;
  /** The key id (fingerprint) of the key that made the signature, trusted or not. */
  readonly keyId?: string;
}

/** A signature status in words: "signed by trusted key …", "signed by an untrusted key …", "unsigned". */
export function describeSignature(status: Pick<SignatureStatus, "trust" | "keyId">): string {
  if (status.trust === "trusted") return `signed by trusted key ${status.keyId ?? ""}`;
  if (status.trust === "untrusted") return `signed by an untrusted key ${status.keyId ?? ""}`;
  return "unsigned";
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
    throw new PolyplugError(ErrorCode.InvalidArgument, `${file}: not a PEM private key: ${(cause as Error).message}`, {
      cause,
    });
  }
  if (key.asymmetricKeyType !== "ed25519")
    throw new PolyplugError(
      ErrorCode.InvalidArgument,
      `${file}: signing keys must be ed25519, this one is ${key.asymmetricKeyType ?? "unknown"}`,
    );
  return key;
}

/** Signs a bundle digest; returns the signature file's content. */
export function signBundleDigest(sha256: string, privateKey: KeyObject): SignatureFile {
  const signature = sign(null, signedMessage(sha256), privateKey).toString("base64");
  const publicKey = createPublicKey(privateKey);
  return {
    keyId: keyIdOf(publicKey),
    algorithm: "ed25519",
    signature,
    publicKey: publicKey.export({ type: "spki", format: "der" }).toString("base64"),
  };
}

/** Signs a bundle digest and writes `<bundleFile>.sig`; returns the file name and content. */
export async function writeBundleSignature(
  bundleFile: string,
  sha256: string,
  privateKey: KeyObject,
): Promise<{ file: string; signature: SignatureFile }> {
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
    throw new PolyplugError(
      ErrorCode.PermissionDenied,
      `bundle signature is not valid JSON: ${(cause as Error).message}`,
      { cause },
    );
  }
  const parsed = signatureFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((issue) => `field ${issue.path.map(String).join(".") || "(top level)"}: ${issue.message}`)
      .join("; ");
    throw new PolyplugError(ErrorCode.PermissionDenied, `bundle signature is malformed: ${issues}`);
  }
  const { publicKey, ...rest } = parsed.data;
  return publicKey === undefined ? rest : { ...rest, publicKey };
}

/** The public key a signature file carries, checked to be ed25519 and to have the id the file claims. */
function embeddedKey(file: SignatureFile): KeyObject | undefined {
  if (file.publicKey === undefined) return undefined;
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(file.publicKey, "base64"), format: "der", type: "spki" });
  } catch (cause) {
    throw new PolyplugError(
      ErrorCode.PermissionDenied,
      `bundle signature is malformed: field publicKey: not an SPKI public key (${(cause as Error).message})`,
      { cause },
    );
  }
  if (key.asymmetricKeyType !== "ed25519")
    throw new PolyplugError(
      ErrorCode.PermissionDenied,
      `bundle signature is malformed: field publicKey: must be ed25519, is ${key.asymmetricKeyType ?? "unknown"}`,
    );
  if (keyIdOf(key) !== file.keyId) {
    throw new PolyplugError(
      ErrorCode.PermissionDenied,
      `bundle signature is malformed: its publicKey has id ${keyIdOf(key)}, not the keyId ${file.keyId} it claims`,
      { details: { keyId: file.keyId } },
    );
  }
  return key;
}

/**
 * Checks a bundle's detached signature. In order:
 * - No signature: `unsigned`, or `permission_denied` when `requireSignature`.
 * - Malformed: always `permission_denied`.
 * - Verified against the trusted key with its id, else against the public key it carries:
 *   not matching the bundle is always `permission_denied`, whatever the key; a signature by an
 *   unknown key that carries no public key cannot be checked and is refused too.
 * - Matching but by a key that is not trusted: `untrusted` with the key id, or
 *   `permission_denied` ("signed by an untrusted key …") when `requireSignature`.
 */
export function checkBundleSignature(
  sha256: string,
  signature: Uint8Array | string | undefined,
  trustedKeys: readonly TrustedKey[],
  requireSignature: boolean,
): SignatureStatus {
  if (signature === undefined) {
    if (requireSignature)
      throw new PolyplugError(
        ErrorCode.PermissionDenied,
        "bundle is not signed and a signature is required (sign it with `polyplug bundle DIR --sign KEYFILE`)",
      );
    return { signed: false, trust: "unsigned" };
  }
  const file = parseSignatureFile(signature);
  const trusted = trustedKeys.find((candidate) => candidate.keyId === file.keyId);
  const key = trusted?.publicKey ?? embeddedKey(file);
  const keyText = trusted ? `trusted key ${file.keyId} from ${trusted.name}` : `untrusted key ${file.keyId}`;
  if (!key) {
    throw new PolyplugError(
      ErrorCode.PermissionDenied,
      `bundle signature names the untrusted key ${file.keyId} and carries no public key, so it cannot be checked against the bundle; re-sign it with \`polyplug bundle DIR --sign KEYFILE\` or add the key's .pub.pem to the trusted keys`,
      { details: { keyId: file.keyId } },
    );
  }
  let valid: boolean;
  try {
    valid = verify(null, signedMessage(sha256), key, Buffer.from(file.signature, "base64"));
  } catch {
    valid = false;
  }
  if (!valid) {
    throw new PolyplugError(
      ErrorCode.PermissionDenied,
      `bundle signature does not match the bundle (${keyText}): the bundle or its .sig was altered, or the .sig belongs to another bundle`,
      {
        details: { keyId: file.keyId },
      },
    );
  }
  if (trusted) return { signed: true, trust: "trusted", keyId: file.keyId };
  if (requireSignature) {
    throw new PolyplugError(
      ErrorCode.PermissionDenied,
      `bundle is signed by an untrusted key ${file.keyId} and a trusted signature is required (trusted: ${trustedKeys.map((k) => k.keyId).join(", ") || "none"}); add its .pub.pem to the trusted keys if you trust it`,
      { details: { keyId: file.keyId } },
    );
  }
  return { signed: false, trust: "untrusted", keyId: file.keyId };
}
