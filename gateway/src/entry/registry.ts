// `polyplug/registry`: plugin manifests and settings, bundles (pack, read, verify) and their
// signatures and trusted keys, and the strict YAML reader they share.
export { parseManifest, readManifest, type Manifest } from "../registry/manifest.js";
export { validateConfiguration, type Setting } from "../registry/settings.js";
export {
  packBundle,
  readBundle,
  DEFAULT_BUNDLE_LIMITS,
  type BundleLimits,
  type PackBundleOptions,
  type PackedBundle,
  type ReadBundle,
  type ReadBundleOptions,
} from "../registry/bundle.js";
export {
  checkBundleSignature,
  signedMessage,
  signBundleDigest,
  writeBundleSignature,
  readSigningKey,
  type SignatureFile,
  type SignatureStatus,
} from "../registry/signature.js";
export {
  generateSigningKey,
  keyIdOf,
  loadTrustedKeys,
  parseTrustedKey,
  trustedKeysDir,
  type TrustedKey,
} from "../registry/signature-keys.js";
export { parseYamlStrict } from "../registry/yaml-text.js";
