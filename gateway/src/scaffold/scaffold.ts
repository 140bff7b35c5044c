import { readdirSync } from "node:fs";
import { chmod, copyFile, mkdir, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { ErrorCode, PolyplugError } from "../errors.js";
import { goTemplate } from "./go-template.js";
import { pythonTemplate } from "./python-template.js";
import {
  SCAFFOLD_LANGUAGES,
  type ScaffoldFile,
  type ScaffoldLanguage,
  type ScaffoldSdk,
  type ScaffoldSpec,
} from "./scaffold-spec.js";
import { findSdkArtifacts, GATEWAY_CLI, type SdkArtifacts } from "./sdk-artifacts.js";
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
  /** The folder of SDK copies to vendor (default: the ones shipped with this gateway). */
  readonly sdkArtifactsDir?: string;
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

/** Where each SDK copy goes inside the plugin folder. */
const VENDOR_DIR = "vendor";
const GO_SDK_DIR = "third_party/polyplug-sdk-go";

function filesUnder(root: string, relative = ""): string[] {
  return readdirSync(path.join(root, relative), { withFileTypes: true }).flatMap((entry) => {
    const child = relative === "" ? entry.name : `${relative}/${entry.name}`;
    return entry.isDirectory() ? filesUnder(root, child) : [child];
  });
}

/** The SDK copy the language needs, as files of the plugin (pinned: a file in the folder, not a name). */
function sdkFiles(language: ScaffoldLanguage, artifacts: SdkArtifacts): { sdk: ScaffoldSdk; files: ScaffoldFile[] } {
  const sdk: ScaffoldSdk = {
    npmTarball: `${VENDOR_DIR}/${path.basename(artifacts.npmTarball)}`,
    wheel: `${VENDOR_DIR}/${path.basename(artifacts.wheel)}`,
    pythonPins: artifacts.pythonPins,
    goModule: artifacts.goModule,
    goModuleDir: GO_SDK_DIR,
    goRequires: artifacts.goRequires,
  };
  if (language === "ts") return { sdk, files: [{ path: sdk.npmTarball, content: { copyFrom: artifacts.npmTarball } }] };
  if (language === "python") return { sdk, files: [{ path: sdk.wheel, content: { copyFrom: artifacts.wheel } }] };
  const files = filesUnder(artifacts.goModuleDir).map((file) => ({
    path: `${GO_SDK_DIR}/${file}`,
    content: { copyFrom: path.join(artifacts.goModuleDir, file) },
  }));
  // go.sum of the plugin = the SDK's: every module the plugin builds with is the SDK's.
  return {
    sdk,
    files: [...files, { path: "go.sum", content: { copyFrom: path.join(artifacts.goModuleDir, "go.sum") } }],
  };
}

/**
 * Writes a complete minimal plugin in `language` to a new folder: source using the Polyplug
 * SDK that intercepts `message.will_be_posted` and answers one command, the manifest, a
 * conformance features file, ignore files and a README with build, try and ship commands.
 * The SDK is copied from the gateway package into the folder (vendor/ or third_party/) and
 * referenced by path, so the plugin builds outside any Polyplug checkout with only the public
 * package registries. Throws `invalid_argument` for a bad name, id or language and
 * `failed_precondition` when the folder exists and is not empty or the SDK copies are missing.
 */
export async function createScaffold(options: ScaffoldOptions): Promise<Scaffold> {
  if (!(SCAFFOLD_LANGUAGES as readonly string[]).includes(options.language)) {
    throw new PolyplugError(
      ErrorCode.InvalidArgument,
      `unknown language ${JSON.stringify(options.language)}: choose one of ${SCAFFOLD_LANGUAGES.join(", ")}`,
    );
  }
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_-]{0,63}$/.test(options.name)) {
    throw new PolyplugError(
      ErrorCode.InvalidArgument,
      `plugin name ${JSON.stringify(options.name)} must start with a letter or digit and be up to 64 letters, digits, '_' or '-'`,
    );
  }
  const id = options.id ?? `com.example.${options.name.toLowerCase()}`;
  if (!/^[a-zA-Z0-9._-]{3,190}$/.test(id))
    throw new PolyplugError(
      ErrorCode.InvalidArgument,
      `--id ${JSON.stringify(id)} must be 3–190 letters, digits, '.', '_' or '-'`,
    );
  const dir = path.resolve(options.dir ?? options.name);
  const existing = await readdir(dir).catch(() => undefined);
  if (existing && existing.length > 0)
    throw new PolyplugError(ErrorCode.FailedPrecondition, `${dir} exists and is not empty; choose another --dir`);
  const { sdk, files: vendored } = sdkFiles(options.language, findSdkArtifacts(options.sdkArtifactsDir));
  const command = options.name
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, "-")
    .slice(0, 64);
  const spec: ScaffoldSpec = { name: options.name, id, command, topic: SCAFFOLD_TOPIC, sdk, cli: GATEWAY_CLI };
  const template = { go: goTemplate, python: pythonTemplate, ts: tsTemplate }[options.language];
  const files = [...template(spec), ...vendored];
  await mkdir(dir, { recursive: true });
  for (const file of files) {
    const target = path.join(dir, file.path);
    await mkdir(path.dirname(target), { recursive: true });
    if (typeof file.content === "string") await writeFile(target, file.content, { flag: "wx" });
    else await copyFile(file.content.copyFrom, target);
    if (file.mode !== undefined) await chmod(target, file.mode);
  }
  return {
    language: options.language,
    dir,
    id: spec.id,
    command: spec.command,
    topic: spec.topic,
    files: files.map((file) => file.path).sort(),
  };
}
