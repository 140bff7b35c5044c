import { existsSync, readFileSync } from "node:fs";
import { chmod, mkdir, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ErrorCode, PolyplugError } from "../errors.js";
import { GATEWAY_VERSION } from "../runtime/version.js";
import { goTemplate } from "./go-template.js";
import { pythonTemplate } from "./python-template.js";
import { SCAFFOLD_LANGUAGES, type ScaffoldFile, type ScaffoldLanguage, type ScaffoldSpec } from "./scaffold-spec.js";
import { tsTemplate } from "./ts-template.js";

/** Options of `createScaffold`. */
export interface ScaffoldOptions {
  readonly language: ScaffoldLanguage;
  /** Plugin name: folder and program name (`[a-zA-Z0-9][a-zA-Z0-9_-]{0,63}`). */
  readonly name: string;
  /** The plugin folder to create (default `./<name>`); must not exist or be empty. */
  readonly dir?: string;
  /** Manifest id (default `com.example.<name>`). */
  readonly id?: string;
  /** Go: the Go SDK module folder for go.mod's `replace` (default: this checkout's examples-go, when present). */
  readonly goSdkDir?: string;
}

/** What `createScaffold` wrote. */
export interface Scaffold {
  readonly language: ScaffoldLanguage;
  readonly dir: string;
  readonly id: string;
  readonly command: string;
  readonly topic: string;
  /** Files written, relative to `dir`. */
  readonly files: string[];
}

/** The topic every scaffold intercepts. */
export const SCAFFOLD_TOPIC = "message.will_be_posted";

// src/scaffold or dist/scaffold → the gateway package → the repository.
const gatewayDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const repoExamplesGo = path.resolve(gatewayDir, "..", "examples-go");

function isInside(parent: string, child: string): boolean {
  const relative = path.relative(parent, child);
  return relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative);
}

/** The require blocks of the SDK's go.mod, so the scaffold builds without `go mod tidy`. */
function goRequires(sdkDir: string): string | undefined {
  const goMod = path.join(sdkDir, "go.mod");
  if (!existsSync(goMod)) return undefined;
  return readFileSync(goMod, "utf8").match(/^require \([\s\S]*?^\)/gm)?.join("\n\n");
}

function specFor(options: ScaffoldOptions, dir: string): { spec: ScaffoldSpec; extra: ScaffoldFile[] } {
  const id = options.id ?? `com.example.${options.name.toLowerCase()}`;
  if (!/^[a-zA-Z0-9._-]{3,190}$/.test(id)) throw new PolyplugError(ErrorCode.InvalidArgument, `--id ${JSON.stringify(id)} must be 3–190 letters, digits, '.', '_' or '-'`);
  const command = options.name.toLowerCase().replace(/[^a-z0-9_-]/g, "-").slice(0, 64);
  const base = { name: options.name, id, command, topic: SCAFFOLD_TOPIC, npmPolyplug: `^${GATEWAY_VERSION}` };
  if (options.language === "ts" && existsSync(path.join(repoExamplesGo, "..", "gateway", "package.json"))) {
    // Inside a Polyplug checkout: depend on this gateway package.
    const relative = path.relative(dir, gatewayDir);
    return { spec: { ...base, npmPolyplug: `file:${isInside(path.dirname(gatewayDir), dir) ? relative : gatewayDir}` }, extra: [] };
  }
  if (options.language !== "go") return { spec: base, extra: [] };
  const sdkDir = options.goSdkDir ? path.resolve(options.goSdkDir) : existsSync(path.join(repoExamplesGo, "go.mod")) ? repoExamplesGo : undefined;
  if (!sdkDir) return { spec: base, extra: [] };
  const goSdkPath = isInside(path.dirname(sdkDir), dir) ? path.relative(dir, sdkDir) : sdkDir;
  const requires = goRequires(sdkDir);
  const goSum = path.join(sdkDir, "go.sum");
  const extra = existsSync(goSum) ? [{ path: "go.sum", content: readFileSync(goSum, "utf8") }] : [];
  return { spec: { ...base, goSdkPath, ...(requires ? { goRequires: requires } : {}) }, extra };
}

/**
 * Writes a complete minimal plugin in `language` to a new folder: source using the Polyplug
 * SDK that intercepts `message.will_be_posted` and answers one command, the manifest, a
 * conformance features file and a README with build and run commands. Throws
 * `invalid_argument` for a bad name, id or language and `failed_precondition` when the
 * folder exists and is not empty.
 */
export async function createScaffold(options: ScaffoldOptions): Promise<Scaffold> {
  if (!(SCAFFOLD_LANGUAGES as readonly string[]).includes(options.language)) {
    throw new PolyplugError(ErrorCode.InvalidArgument, `unknown language ${JSON.stringify(options.language)}: choose one of ${SCAFFOLD_LANGUAGES.join(", ")}`);
  }
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_-]{0,63}$/.test(options.name)) {
    throw new PolyplugError(ErrorCode.InvalidArgument, `plugin name ${JSON.stringify(options.name)} must start with a letter or digit and be up to 64 letters, digits, '_' or '-'`);
  }
  const dir = path.resolve(options.dir ?? options.name);
  const existing = await readdir(dir).catch(() => undefined);
  if (existing && existing.length > 0) throw new PolyplugError(ErrorCode.FailedPrecondition, `${dir} exists and is not empty; choose another --dir`);
  const { spec, extra } = specFor(options, dir);
  const template = { go: goTemplate, python: pythonTemplate, ts: tsTemplate }[options.language];
  const files = [...template(spec), ...extra];
  await mkdir(dir, { recursive: true });
  for (const file of files) {
    const target = path.join(dir, file.path);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, file.content, { flag: "wx" });
    if (file.mode !== undefined) await chmod(target, file.mode);
  }
  return { language: options.language, dir, id: spec.id, command: spec.command, topic: spec.topic, files: files.map((file) => file.path).sort() };
}
