import v8 from "node:v8";
import { ErrorCode, PolyplugError } from "../errors.js";

/**
 * How `polyplug serve` sizes V8's heap. `default`: Node's own sizing (the young generation's
 * two semispaces start at 1 MiB and grow to 16 MiB each, and stay there once grown). `small`:
 * the young generation keeps its initial size: about 20 MiB less RSS, paid for with more
 * frequent young-generation collections under load (gateway/bench/PROFILE.md, "### Memory").
 */
export type MemoryProfile = "default" | "small";

/** Every memory profile, in the order help lists them. */
export const MEMORY_PROFILES: readonly MemoryProfile[] = ["default", "small"];

/** Environment variable naming the profile when `--memory-profile` is not given. */
export const MEMORY_PROFILE_ENV = "POLYPLUG_MEMORY_PROFILE";

/** Node flags that size the young generation: when the operator gave one, the profile stays out of the way. */
const YOUNG_GENERATION_FLAGS = ["--max-semi-space-size", "--min-semi-space-size", "--semi-space-growth-factor"];

/**
 * The V8 flags of `profile` (none for `default`), for v8.setFlagsFromString. `small` sets the
 * growth factor to 1 (never grow) rather than --max-semi-space-size, because V8 reads the
 * maximum only when the heap is created, before any JavaScript runs; the factor is read at
 * each resize.
 */
export function memoryProfileFlags(profile: MemoryProfile): readonly string[] {
  return profile === "small" ? ["--semi-space-growth-factor=1"] : [];
}

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
 * Applies `profile`'s V8 flags to this process and returns the ones applied. Call it before
 * the gateway's modules load: V8 grows the young generation while it compiles them, and a
 * cap set afterwards does not shrink what was already reached. A young-generation size the
 * operator gave Node itself (its command line or NODE_OPTIONS) wins over the profile.
 */
export function applyMemoryProfile(
  profile: MemoryProfile,
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string = process.env.NODE_OPTIONS ?? "",
): string[] {
  const operatorSet = [...execArgv, ...nodeOptions.split(/\s+/)].some((arg) =>
    YOUNG_GENERATION_FLAGS.some((flag) => arg.startsWith(flag)),
  );
  if (operatorSet) return [];
  const flags = [...memoryProfileFlags(profile)];
  for (const flag of flags) v8.setFlagsFromString(flag);
  return flags;
}
