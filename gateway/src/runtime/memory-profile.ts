import v8 from "node:v8";
import { ErrorCode, PolyplugError } from "../errors.js";
import { pinYoungGeneration, youngGenerationSizedByOperator } from "../young-generation-reclaim.js";

/**
 * How `polyplug serve` sizes V8's young generation (two semispaces, 1 MiB each at start).
 * `default`: Node's sizing: they grow up to 16 MiB each (loading the gateway's modules alone
 * grows them there); the gateway gives them back after ~10–20 s idle and they grow straight back
 * at the next load (src/young-generation-reclaim.ts). `small`: they never grow: ~20 MiB less RSS at
 * rest and under load, paid for with several times the garbage collection time per call
 * under load (gateway/bench/PROFILE.md, "### Memory").
 */
export type MemoryProfile = "default" | "small";

/** Every memory profile, in the order help lists them. */
export const MEMORY_PROFILES: readonly MemoryProfile[] = ["default", "small"];

/** Environment variable naming the profile when `--memory-profile` is not given. */
export const MEMORY_PROFILE_ENV = "POLYPLUG_MEMORY_PROFILE";

// The growth factor rather than --max-semi-space-size: V8 reads the maximum only when the heap
// is created, before any JavaScript runs; the factor (default 2) is read at each resize.
const NEVER_GROW = "--semi-space-growth-factor=1";

/** Checks a profile name; `source` says where it came from, for the error. */
export function parseMemoryProfile(value: string, source: string): MemoryProfile {
  const profile = MEMORY_PROFILES.find((candidate) => candidate === value);
  if (!profile)
    throw new PolyplugError(
      ErrorCode.InvalidArgument,
      `${source} must be one of ${MEMORY_PROFILES.join(", ")}, got ${JSON.stringify(value)}`,
    );
  return profile;
}

/**
 * The profile `serve`'s command line asks for (`--memory-profile X` or `--memory-profile=X`),
 * else $POLYPLUG_MEMORY_PROFILE, else `default`. Read from the raw arguments because it must
 * be applied before the command's modules load (see applyMemoryProfile).
 */
export function memoryProfileOf(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): MemoryProfile {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") break;
    if (arg === "--memory-profile") return parseMemoryProfile(argv[i + 1] ?? "", "--memory-profile");
    if (arg.startsWith("--memory-profile="))
      return parseMemoryProfile(arg.slice("--memory-profile=".length), "--memory-profile");
  }
  const fromEnv = env[MEMORY_PROFILE_ENV];
  return fromEnv ? parseMemoryProfile(fromEnv, MEMORY_PROFILE_ENV) : "default";
}

/**
 * Applies `profile`'s V8 flags to this process and returns them (none for `default`). Call it
 * before the gateway's modules load: loading them grows the young generation, and a cap set
 * afterwards does not shrink what was already reached. A young-generation size the operator
 * gave Node itself (its command line or NODE_OPTIONS; default: this process's, read by
 * node-flags.ts) wins: nothing is applied.
 */
export function applyMemoryProfile(
  profile: MemoryProfile,
  execArgv?: readonly string[],
  nodeOptions?: string,
): string[] {
  if (profile === "default" || youngGenerationSizedByOperator(execArgv, nodeOptions)) return [];
  v8.setFlagsFromString(NEVER_GROW);
  pinYoungGeneration();
  return [NEVER_GROW];
}
