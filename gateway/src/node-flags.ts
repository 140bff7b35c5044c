/**
 * The flags the operator gave Node itself — its command line (process.execArgv) and
 * NODE_OPTIONS — read as Node reads them, so that Polyplug leaves alone what the operator sized
 * (young-generation-reclaim.ts, runtime/memory-profile.ts). Node accepts `_` for `-` inside a
 * flag's name and a value as `--flag=value` or `--flag value`; NODE_OPTIONS is split on spaces,
 * with double quotes around a value that holds one (a backslash escapes inside quotes).
 */

/** One flag given to Node. */
export interface NodeFlag {
  /** The name with its leading dashes, `_` read as `-` (`--max_semi_space_size` → `--max-semi-space-size`). */
  readonly name: string;
  /** `--flag=value` or `--flag value`; undefined for a flag given without one. */
  readonly value: string | undefined;
}

/**
 * The flags of NODE_OPTIONS, then those of the command line (Node applies them in that order:
 * for a flag given twice, the last one counts). A word that is not a flag is the value of the
 * flag before it (execArgv holds neither the script nor its arguments); a value never starts with `-`.
 */
export function nodeFlags(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string = process.env.NODE_OPTIONS ?? "",
): NodeFlag[] {
  return flagsOf([...splitNodeOptions(nodeOptions), ...execArgv]);
}

/** Whether the operator gave Node any flag named in `names` (spelled with `-`: `--expose-gc`). */
export function operatorGaveNodeFlag(
  names: readonly string[],
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string = process.env.NODE_OPTIONS ?? "",
): boolean {
  return nodeFlags(execArgv, nodeOptions).some((flag) => names.includes(flag.name));
}

/**
 * NODE_OPTIONS split into words as Node splits it (src/node_options.cc, ParseNodeOptionsEnvVar):
 * on spaces outside double quotes; the quotes themselves are dropped and a backslash inside
 * them takes the next character as it is. An unterminated quote or a trailing backslash (Node
 * refuses to start with either) ends the last word where the text ends.
 */
export function splitNodeOptions(nodeOptions: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quoted = false;
  for (let i = 0; i < nodeOptions.length; i++) {
    let c = nodeOptions[i] as string;
    if (c === "\\" && quoted) {
      if (i + 1 === nodeOptions.length) break;
      c = nodeOptions[++i] as string;
    } else if (c === " " && !quoted) {
      if (word !== undefined) words.push(word);
      word = undefined;
      continue;
    } else if (c === '"') {
      quoted = !quoted;
      continue;
    }
    word = (word ?? "") + c;
  }
  if (word !== undefined) words.push(word);
  return words;
}

function flagsOf(args: readonly string[]): NodeFlag[] {
  const flags: NodeFlag[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!isFlag(arg)) continue;
    const equals = arg.indexOf("=");
    let value = equals < 0 ? undefined : arg.slice(equals + 1);
    const next = args[i + 1];
    if (value === undefined && next !== undefined && !next.startsWith("-")) {
      value = next;
      i++;
    }
    flags.push({ name: normalName(equals < 0 ? arg : arg.slice(0, equals)), value });
  }
  return flags;
}

function isFlag(arg: string): boolean {
  return arg.startsWith("-") && arg !== "-" && arg !== "--";
}

/** `_` read as `-` after the leading dashes. */
function normalName(name: string): string {
  const dashes = /^-+/.exec(name)?.[0] ?? "";
  return dashes + name.slice(dashes.length).replaceAll("_", "-");
}
