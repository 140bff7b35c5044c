import type { readBundle } from "../registry/bundle.js";
import type { TrustedKey } from "../registry/signature-keys.js";
import type { Gateway, PluginListing } from "../runtime/gateway.js";

/** What installing a bundle did. */
export interface BundleInstallResult {
  readonly listing: PluginListing;
  /** The version it replaced, when it was an upgrade. */
  readonly previousVersion: string | undefined;
  readonly sha256: string;
  readonly signed: boolean;
  readonly keyId: string | undefined;
}

/** Installs plugin bundles (.tar.gz bytes) into a gateway. */
export interface BundleInstaller {
  install(bundle: Uint8Array, options: { readonly signature?: Uint8Array; readonly requireSignature: boolean }): Promise<BundleInstallResult>;
}


/** What createBundleInstaller needs. */
export interface BundleInstallerDeps {
  readonly gateway: Pick<Gateway, "plugins" | "install" | "recordInstall">;
  readonly readBundle: typeof readBundle;
  /** Loads the trusted keys afresh for each install (so new key files count without a restart). */
  readonly trustedKeys: () => Promise<readonly TrustedKey[]>;
}

/**
 * Installs bundles: checks and unpacks the bundle into a private temp folder (size,
 * signature, layout and manifest are checked before anything is unpacked), hands the
 * folder to `gateway.install` (which rolls a failed upgrade back), and always deletes the
 * temp folder. Installs run one at a time.
 */
export function createBundleInstaller(deps: BundleInstallerDeps): BundleInstaller {
  let queue: Promise<unknown> = Promise.resolve();
  const installOne: BundleInstaller["install"] = async (bytes, options) => {
    const bundle = await deps.readBundle(bytes, {
      trustedKeys: await deps.trustedKeys(),
      requireSignature: options.requireSignature,
      ...(options.signature ? { signature: options.signature } : {}),
    });
    try {
      const previousVersion = deps.gateway.plugins().find((plugin) => plugin.pluginId === bundle.manifest.id)?.version;
      const listing = await deps.gateway.install(bundle.dir);
      await deps.gateway.recordInstall({ pluginId: listing.pluginId, version: listing.version, sha256: bundle.sha256, bytes, signature: options.signature });
      return { listing, previousVersion, sha256: bundle.sha256, signed: bundle.signature.signed, keyId: bundle.signature.keyId };
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
