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
  /** Go only: the folder of the Go SDK module for go.mod's `replace` (relative or absolute). */
  readonly goSdkPath?: string;
  /** Go only: require lines of the SDK module's go.mod (so `go build` needs no `go mod tidy`). */
  readonly goRequires?: string;
  /** TS only: the version or `file:` spec of the `polyplug` npm dependency. */
  readonly npmPolyplug: string;
}

/** A file to write, relative to the plugin folder. */
export interface ScaffoldFile {
  readonly path: string;
  readonly content: string;
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
export function manifestJson(spec: ScaffoldSpec, launch: { executables: Record<string, string> } | { command: string[] }): string {
  const manifest = {
    id: spec.id,
    name: spec.name,
    version: "0.1.0",
    description: `${spec.name}: a Polyplug plugin (intercepts ${spec.topic}, answers /${spec.command}).`,
    ...launch,
    hooks: { intercept: [{ topic: spec.topic, priority: 100, timeoutMs: 2000, onFailure: "open" }] },
    // Explicit so authors see where to ask for more (kv, events, …); shown to the operator at install.
    permissions: { api: ["log", "config"] },
    settings: [{ key: "greeting", type: "text", displayName: "Greeting", helpText: `What /${spec.command} says.`, default: "hello" }],
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
## Build

\`\`\`sh
${build}
\`\`\`

## Run

\`\`\`sh
# handshake + health check
npx polyplug probe -- ${run}
# the protocol conformance groups (the contract groups need the conformance plugin behaviour)
npx polyplug conformance --features conformance.yaml -- ${run}
# under a gateway: this folder's parent is a plugins folder
npx polyplug serve --plugins ..
# or pack it and install it into a running gateway
npx polyplug bundle . --out ${spec.id}.tar.gz
npx polyplug plugin install ${spec.id}.tar.gz
\`\`\`
`;
}
