import { parseDocument } from "yaml";

/**
 * Parses YAML text (manifests, config files, conformance cases) and throws on the first error
 * or warning, with its line and column. The yaml package would otherwise print warnings (such
 * as `Unknown directive %…`) to the process's stderr and go on: here a warning is a mistake in
 * the file, reported to whoever reads it. `merge` enables `<<` merge keys.
 */
export function parseYamlStrict(text: string, options: { readonly merge?: boolean } = {}): unknown {
  const document = parseDocument(text, { merge: options.merge ?? false, logLevel: "silent", prettyErrors: true });
  const problem = document.errors[0] ?? document.warnings[0];
  if (problem) throw new Error((problem.message.split("\n")[0] ?? "").replace(/:$/, ""));
  return document.toJS();
}
