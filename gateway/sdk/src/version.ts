import { createRequire } from "node:module";

/** The SDK name reported in Describe. */
export const SDK_NAME = "polyplug-ts";

/** The SDK version reported in Describe: the version of the `@polyplug/sdk` package. */
export const SDK_VERSION: string = (createRequire(import.meta.url)("../package.json") as { version: string }).version;
