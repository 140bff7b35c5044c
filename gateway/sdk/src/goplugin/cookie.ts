/** go-plugin's exact message for a plugin run without the magic cookie (three lines). */
export const NOT_A_PLUGIN_MESSAGE =
  "This binary is a plugin. These are not meant to be executed directly.\n" +
  "Please execute the program that consumes these plugins, which will\n" +
  "load any plugins automatically\n";

/**
 * Checks the magic cookie as go-plugin does (exact string equality; unset never matches).
 * On mismatch writes the three-line message to stderr and exits with status 1.
 */
export function checkMagicCookie(key: string, value: string, env: NodeJS.ProcessEnv = process.env): void {
  if (env[key] === value) return;
  process.stderr.write(NOT_A_PLUGIN_MESSAGE);
  process.exit(1);
}
