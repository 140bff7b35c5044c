import path from "node:path";
import { fileURLToPath } from "node:url";

const sdkSrc = path.join(path.dirname(fileURLToPath(import.meta.url)), "sdk", "src");

/**
 * Vitest aliases that resolve `@polyplug/sdk` and `@polyplug/sdk/internal/*.js` to the SDK's
 * TypeScript sources, so tests see SDK edits without rebuilding its dist (plugins started as
 * processes still load the built package).
 */
export const sdkSourceAlias = [
  { find: /^@polyplug\/sdk$/, replacement: path.join(sdkSrc, "index.ts") },
  { find: /^@polyplug\/sdk\/internal\/(.*)\.js$/, replacement: path.join(sdkSrc, "$1.ts") },
];
