import { COMMAND_NAME_RULE, isCommandName } from "@polyplug/sdk/internal/contract/names.js";

/** A command line split into its name and arguments. */
export interface ParsedCommandLine {
  /** The command name without the slash. */
  readonly command: string;
  readonly args: string[];
}

/**
 * Splits a command line such as `/remind me "in 5 minutes"`: an optional leading `/`,
 * then words separated by whitespace; double quotes group words (and are removed), and
 * inside quotes `\"` and `\\` are a literal quote and backslash. Returns an error text
 * (for INVALID_ARGUMENT) instead of throwing: empty line, unterminated quote, or a
 * command name outside the contract's [a-z0-9_-]{1,64}.
 */
export function parseCommandLine(line: string): ParsedCommandLine | { readonly error: string } {
  const words: string[] = [];
  let current: string | undefined;
  let quoted = false;
  const text = line.trimStart().replace(/^\//, "");
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (quoted) {
      if (char === '"') quoted = false;
      else if (char === "\\" && (text[i + 1] === '"' || text[i + 1] === "\\")) current += text[++i] as string;
      else current += char;
    } else if (char === '"') {
      quoted = true;
      current ??= "";
    } else if (/\s/.test(char)) {
      if (current !== undefined) words.push(current);
      current = undefined;
    } else {
      current = (current ?? "") + char;
    }
  }
  if (quoted) return { error: "unterminated double quote" };
  if (current !== undefined) words.push(current);
  const [command, ...args] = words;
  if (command === undefined) return { error: "empty command line" };
  if (!isCommandName(command))
    return { error: `command name must match ${COMMAND_NAME_RULE}, got ${JSON.stringify(command.slice(0, 80))}` };
  return { command, args };
}

/** The command line a user would type for `command` and `args` (arguments with spaces or quotes are quoted). */
export function formatCommandLine(command: string, args: readonly string[]): string {
  const quote = (arg: string) =>
    arg === "" || /[\s"\\]/.test(arg) ? `"${arg.replace(/["\\]/g, (c) => `\\${c}`)}"` : arg;
  return ["/" + command, ...args.map(quote)].join(" ");
}
