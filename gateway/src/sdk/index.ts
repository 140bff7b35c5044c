// `polyplug/sdk` is kept for plugins written before the SDK had a package of its own:
// the SDK is `@polyplug/sdk` (gateway/sdk/); this only re-exports it.
export * from "@polyplug/sdk";
