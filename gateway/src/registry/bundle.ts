/**
 * Plugin bundles: a gzip-compressed tar holding one folder named after the plugin id, with
 * the manifest, the executables per os-arch and any assets. `packBundle` makes one,
 * `readBundle` checks one and unpacks it into a private temp folder for `gateway.install`.
 */
export { packBundle, type PackBundleOptions, type PackedBundle } from "./bundle-pack.js";
export { readBundle, readBundleManifest, type ReadBundle, type ReadBundleOptions } from "./bundle-read.js";
export { DEFAULT_BUNDLE_LIMITS, type BundleLimits } from "./bundle-limits.js";
