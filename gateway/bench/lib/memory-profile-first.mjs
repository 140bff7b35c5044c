// Preloaded (`node --import`) into gateway-child.mjs by lib/gateway-process.mjs: applies the memory
// profile named in the child's options ("memoryProfile") before the gateway's modules are parsed,
// as `polyplug serve --memory-profile` does in cli/main.ts (V8 grows its young generation while
// it loads them, and never shrinks it back).
import { applyMemoryProfile } from "../../dist/runtime/memory-profile.js";

const { memoryProfile } = JSON.parse(process.argv[2] ?? "{}");
if (memoryProfile) applyMemoryProfile(memoryProfile);
