import type { readBundle } from "../registry/bundle.js";
import type { Permissions } from "../registry/manifest.js";
import { checkApproved, DEFAULT_GRANT } from "../registry/permission-approval.js";
import { describeSignature, type SignaturePolicy, type SignatureTrust } from "../registry/signature.js";
import type { TrustedKey } from "../registry/signature-keys.js";
import type { Gateway, PluginListing } from "../runtime/gateway.js";

/** What installing a bundle did. */
export interface BundleInstallResult {
  readonly listing: PluginListing;
  /** The version it replaced, when it was an upgrade. */
  readonly previousVersion: string | undefined;
  readonly sha256: string;
  readonly signed: boolean;
  readonly trust: SignatureTrust;
  readonly keyId: string | undefined;
  /** What the operator should know (an unsigned install under the "warn" policy). */
  readonly warnings: readonly string[];
}

/** Options of one install. */
export interface BundleInstallOptions {
  readonly signature?: Uint8Array;
  /** The client asks for a trusted signature even if the server's policy does not. */
  readonly requireSignature: boolean;
  /**
   * The permissions the operator approved. Absent: what the installed version was granted
   * (an upgrade), or the default grant (a first install).
   */
  readonly approvedPermissions?: Permissions;
}

/** Installs plugin bundles (.tar.gz bytes) into a gateway. */
export interface BundleInstaller {
  install(bundle: Uint8Array, options: BundleInstallOptions): Promise<BundleInstallResult>;
}

/** What createBundleInstaller needs. */
export interface BundleInstallerDeps {
  readonly gateway: Pick<Gateway, "plugins" | "install" | "recordInstall">;
  readonly readBundle: typeof readBundle;
  /** Loads the trusted keys afresh for each install (so new key files count without a restart). */
  readonly trustedKeys: () => Promise<readonly TrustedKey[]>;
  /** The server's signature policy (serve config `signatures`). */
  readonly signaturePolicy: SignaturePolicy;
  /** Where warnings about an install are logged too. */
  readonly logger: { warn(fields: object, message: string): void };
}

/**
 * Installs bundles: checks and unpacks the bundle into a private temp folder (size,
 * signature, layout and manifest are checked before anything is unpacked), hands the
 * folder to `gateway.install` (which rolls a failed upgrade back), and always deletes the
 * temp folder. Installs run one at a time. The signature policy is the server's: with
 * `require`, a request cannot lower it. The manifest's permissions must be within what was
 * approved (see BundleInstallOptions) or nothing is installed.
 */
export function createBundleInstaller(deps: BundleInstallerDeps): BundleInstaller {
  let queue: Promise<unknown> = Promise.resolve();
  const installOne: BundleInstaller["install"] = async (bytes, options) => {
    const bundle = await deps.readBundle(bytes, {
      trustedKeys: await deps.trustedKeys(),
      requireSignature: options.requireSignature || deps.signaturePolicy === "require",
      ...(options.signature ? { signature: options.signature } : {}),
    });
    try {
      const { manifest, signature } = bundle;
      const previous = deps.gateway.plugins().find((plugin) => plugin.pluginId === manifest.id);
      const approvedBy = options.approvedPermissions
        ? "approved with this install"
        : previous
          ? `no approval was sent, so only what version ${previous.version} was granted`
          : "no approval was sent, so only the default grant";
      checkApproved(
        manifest.id,
        manifest.permissions,
        options.approvedPermissions ?? previous?.permissions ?? DEFAULT_GRANT,
        approvedBy,
      );
      const warnings =
        signature.trust !== "trusted" && deps.signaturePolicy === "warn"
          ? [`installed ${describeSignature(signature)}: the gateway's signature policy is "warn"`]
          : [];
      for (const warning of warnings)
        deps.logger.warn({ pluginId: manifest.id, sha256: bundle.sha256, keyId: signature.keyId }, warning);
      const listing = await deps.gateway.install(bundle.dir);
      await deps.gateway.recordInstall({
        pluginId: listing.pluginId,
        version: listing.version,
        sha256: bundle.sha256,
        bytes,
        signature: options.signature,
      });
      return {
        listing,
        previousVersion: previous?.version,
        sha256: bundle.sha256,
        signed: signature.signed,
        trust: signature.trust,
        keyId: signature.keyId,
        warnings,
      };
    } finally {
      await bundle.cleanup();
    }
  };
  return {
    install(bytes, options) {
      const result = queue.then(() => installOne(bytes, options));
      queue = result.catch(() => undefined);
      return result;
    },
  };
}
