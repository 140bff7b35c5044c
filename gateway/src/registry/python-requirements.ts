import { ErrorCode, PolyplugError } from "../errors.js";

/** The file a Python plugin lists its requirements in. */
export const PYTHON_REQUIREMENTS_FILE = "requirements.txt";

// `name==version` (PEP 508 name, optional extras, exact version, optional marker or hashes),
// or a path to a wheel file (`./vendor/x-1.0-py3-none-any.whl`): both pin one exact artifact.
const PINNED =
  /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?(\[[A-Za-z0-9._,\s-]+\])?\s*===?\s*[A-Za-z0-9.+!_-]+(\s*;.*)?(\s+--hash=\S+)*$/;
// A local wheel path, not a URL (a URL's content can change under the same name).
const WHEEL_PATH = /^(?![A-Za-z][A-Za-z0-9+.-]*:)[^\s;]+\.whl$/;

/**
 * Checks every requirement line (comments and blank lines aside) pins one artifact:
 * `name==version` or a wheel file path. Options (`-r`, `--index-url`…), ranges and bare
 * names are refused: a bundle must install the same thing every time, offline. Throws
 * `invalid_argument` naming the line. Returns the requirement lines.
 */
export function checkPinnedRequirements(text: string, file: string): string[] {
  const lines: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/(^|\s)#.*$/, "").trim();
    if (line === "") return;
    if (!PINNED.test(line) && !WHEEL_PATH.test(line)) {
      throw new PolyplugError(
        ErrorCode.InvalidArgument,
        `${file} line ${index + 1}: ${JSON.stringify(line.slice(0, 200))} is not pinned; write name==version (or the path of a .whl file) so the bundle installs the same thing every time`,
        { details: { file, line: index + 1 } },
      );
    }
    lines.push(line);
  });
  return lines;
}
