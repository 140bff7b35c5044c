import v8 from "node:v8";
import { ErrorCode, PolyplugError } from "../errors.js";

/**
 * How `polyplug serve` sizes V8's young generation (two semispaces: 1 MiB each at start, grown
 * up to 16 MiB each by Node's defaults, and never given back). Under both profiles it keeps its
 * initial size while the gateway loads and starts: loading the modules allocates enough to
 * grow it to the maximum, ~20 MiB of RSS a gateway at rest does not need. `default`: once
 * serving, Node's sizing again (it grows under load, as before). `small`: it never grows,
 * so RSS stays ~20 MiB lower under load too, paid for with more young-generation collections
 * and garbage collection time (gateway/bench/PROFILE.md, "### Memory").
 */
export type MemoryProfile = "default" | "small";

/** Every memory profile, in the order help lists them. */
export const MEMORY_PROFILES: readonly MemoryProfile[] = ["default", "small"];

/** Environment variable naming the profile when `--memory-profile` is not given. */
export const MEMORY_PROFILE_ENV = "POLYPLUG_MEMORY_PROFILE";

/** Node flags that size the young generation: when the operator gave one, the profile stays out of the way. */
const YOUNG_GENERATION_FLAGS = ["--max-semi-space-size", "--min-semi-space-size", "--semi-space-growth-factor"];
// The growth factor rather than --max-semi-space-size: V8 reads the maximum only when the heap
// is created, before any JavaScript runs; the factor is read at each resize. 2 is V8's default.
const HOLD = "--semi-space-growth-factor=1";
const NODE_SIZING = "--semi-space-growth-factor=2";

/** The profile applied by applyMemoryProfile and not yet released by memoryProfileServing. */
let held: MemoryProfile | undefined;

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
 * Holds the young generation at its initial size for the start (see MemoryProfile) and
 * returns the V8 flags applied. Call it before the gateway's modules load: a cap set
 * afterwards does not shrink what loading already reached. A young-generation size the
 * operator gave Node itself (its command line or NODE_OPTIONS) wins: nothing is applied.
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
  v8.setFlagsFromString(HOLD);
  held = profile;
  return [HOLD];
}

/** The gateway serves: under `default` the young generation may grow again (Node's sizing); `small` keeps it. Returns the flags applied. */
export function memoryProfileServing(): string[] {
  const profile = held;
  held = undefined;
  if (profile !== "default") return [];
  v8.setFlagsFromString(NODE_SIZING);
  return [NODE_SIZING];
}
