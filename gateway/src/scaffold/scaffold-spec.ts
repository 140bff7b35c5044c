/** The languages `polyplug new` can scaffold. */
export const SCAFFOLD_LANGUAGES = ["go", "python", "ts"] as const;

/** One of SCAFFOLD_LANGUAGES. */
export type ScaffoldLanguage = (typeof SCAFFOLD_LANGUAGES)[number];

/** Everything a template needs to know. */
export interface ScaffoldSpec {
  /** Folder and program name, e.g. `greeter`. */
  readonly name: string;
  /** Manifest id, e.g. `com.example.greeter`. */
  readonly id: string;
  /** The command the plugin answers (its name, `[a-z0-9_-]`). */
  readonly command: string;
  /** The topic the plugin intercepts. */
  readonly topic: string;
  /** The SDK copies the gateway ships (see sdk-artifacts.ts), as the plugin refers to them. */
  readonly sdk: ScaffoldSdk;
  /** How to run this gateway's CLI from anywhere (the absolute path of its bin/polyplug.js). */
  readonly cli: string;
}

/** Where a scaffold finds its language's SDK: copied into the plugin folder, pinned. */
export interface ScaffoldSdk {
  /** TS: path of the @polyplug/sdk tarball inside the plugin, e.g. `vendor/polyplug-sdk-0.1.0.tgz`. */
  readonly npmTarball: string;
  /** Python: path of the polyplug-sdk wheel inside the plugin. */
  readonly wheel: string;
  /** Python: `name==version` lines of the SDK's own dependencies. */
  readonly pythonPins: readonly string[];
  /** Go: the SDK module's path and the folder inside the plugin that go.mod's `replace` names. */
  readonly goModule: string;
  readonly goModuleDir: string;
  /** Go: the require blocks of the SDK module's go.mod (so `go build` needs no `go mod tidy`). */
  readonly goRequires: string;
}

/** The API capabilities every scaffold uses (Activate logs, the command reads its setting). */
export const SCAFFOLD_PERMISSIONS = { api: ["log", "config"] };

/** A file to write, relative to the plugin folder. */
export interface ScaffoldFile {
  readonly path: string;
  /** The text to write, or `{ copyFrom }`: an absolute file path to copy (binary-safe). */
  readonly content: string | { readonly copyFrom: string };
  /** Permission bits (default 0o644). */
  readonly mode?: number;
}

/** The conformance features file every scaffold ships: a plain plugin runs the protocol groups. */
export const CONFORMANCE_FEATURES = `# Features for \`polyplug conformance --features conformance.yaml\`.
# A scaffolded plugin is a plain Polyplug plugin, not the conformance plugin, so it declares no
# \`contract\` feature: the protocol groups (handshake, listener, automtls, services, process,
# output) apply; the contract groups are skipped.
features: []
app_protocol_versions: [1]
`;

/** The manifest of a scaffolded plugin, as pretty JSON. */
export function manifestJson(
  spec: ScaffoldSpec,
  launch: { executables: Record<string, string> } | { command: string[] },
): string {
  const manifest = {
    id: spec.id,
    name: spec.name,
    version: "0.1.0",
    description: `${spec.name}: a Polyplug plugin (intercepts ${spec.topic}, answers /${spec.command}).`,
    ...launch,
    hooks: { intercept: [{ topic: spec.topic, priority: 100, timeoutMs: 2000, onFailure: "open" }] },
    settings: [
      {
        key: "greeting",
        type: "text",
        displayName: "Greeting",
        helpText: `What /${spec.command} says.`,
        default: "hello",
      },
    ],
    permissions: SCAFFOLD_PERMISSIONS,
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** README shared by all languages; `build` and `run` are the language's commands. */
export function readme(spec: ScaffoldSpec, language: string, build: string, run: string, extra = ""): string {
  return `# ${spec.name}

A Polyplug plugin in ${language}, scaffolded by \`polyplug new\`. It intercepts
\`${spec.topic}\` (rejects messages containing "forbidden", otherwise adds
\`"checked_by": "${spec.id}"\` to the payload) and answers the command \`/${spec.command} [name]\`
with the \`greeting\` setting.
${extra}
The commands below call the gateway CLI that created this folder:
\`${spec.cli}\` (or \`polyplug\` if it is on your PATH).

## Build

\`\`\`sh
${build}
\`\`\`

## Try it

\`\`\`sh
# handshake + health check
${spec.cli} probe -- ${run}
# the protocol conformance groups (the contract groups need the conformance plugin behaviour)
${spec.cli} conformance --features conformance.yaml -- ${run}
\`\`\`

## Ship it

\`polyplug bundle\` packs this folder (honouring \`.gitignore\` and \`.polyplugignore\`) with what
the plugin needs to run: its dependencies and, for Go, a binary per os-arch in \`plugin.json\`.
A gateway installs only bundles signed by a key it trusts (by default): sign with your key and
give the operator its \`.pub.pem\` for \`<data>/trusted-keys/\`. Then install the bundle into a
running gateway (\`polyplug serve\`; it prints the permissions the plugin asks for):

\`\`\`sh
${spec.cli} keys generate author --dir ~/.polyplug-keys    # once
${spec.cli} bundle . --out ${spec.id}.tar.gz --sign ~/.polyplug-keys/author.key
${spec.cli} plugin install ${spec.id}.tar.gz
\`\`\`
`;
}
