import { Argument, type Command } from "commander";
import { PolyplugError } from "../errors.js";
import { createScaffold } from "../scaffold/scaffold.js";
import { GO_SCAFFOLD_PLATFORMS } from "../scaffold/go-template.js";
import { SCAFFOLD_LANGUAGES, type ScaffoldLanguage } from "../scaffold/scaffold-spec.js";
import { GATEWAY_CLI } from "../scaffold/sdk-artifacts.js";
import { currentPlatformKey } from "../registry/manifest.js";
import { paint, type CliIo } from "./io.js";

interface NewOptions {
  dir?: string;
  id?: string;
  json?: boolean;
}

// The CLI by absolute path: `npx polyplug` finds nothing outside a Polyplug checkout.
const NEXT_STEPS: Record<ScaffoldLanguage, (name: string) => string> = {
  go: (name) => {
    const binary = `bin/${GO_SCAFFOLD_PLATFORMS.find((platform) => platform === currentPlatformKey()) ?? currentPlatformKey()}/${name}`;
    return `go build -o ${binary} . && ${GATEWAY_CLI} probe -- ./${binary}`;
  },
  python: () =>
    `python3 -m venv .venv && .venv/bin/pip install -r requirements.txt && ${GATEWAY_CLI} probe -- .venv/bin/python plugin.py`,
  ts: () => `npm install && npm run build && ${GATEWAY_CLI} probe -- node dist/plugin.js`,
};

/** The files written, vendored SDK copies summarised as their folder. */
function shownFiles(files: readonly string[]): string[] {
  const shown = files.map((file) =>
    /^(vendor|third_party)\//.test(file)
      ? `${file.split("/").slice(0, 2).join("/")}${file.split("/").length > 2 ? "/…" : ""}`
      : file,
  );
  return [...new Set(shown)];
}

/** Registers `polyplug new go|python|ts NAME`. */
export function registerNew(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  const c = paint(io.color);
  program
    .command("new")
    .description(
      "scaffold a plugin (intercepts a topic, answers a command) that builds, runs under `polyplug serve` and passes the protocol conformance groups",
    )
    .addArgument(new Argument("<language>", "go, python or ts").choices(SCAFFOLD_LANGUAGES))
    .argument("<name>", "plugin name: the folder and program name")
    .option("--dir <dir>", "the folder to create (default: ./NAME)")
    .option("--id <id>", "manifest id (default: com.example.NAME)")
    .option("--json", "print exactly one JSON object on stdout")
    .action(async (language: ScaffoldLanguage, name: string, options: NewOptions) => {
      try {
        const scaffold = await createScaffold({
          language,
          name,
          ...(options.dir ? { dir: options.dir } : {}),
          ...(options.id ? { id: options.id } : {}),
        });
        if (options.json) io.out(`${JSON.stringify({ ok: true, ...scaffold })}\n`);
        else {
          io.out(
            [
              `${c.green("✔ plugin created")} ${scaffold.dir}`,
              `  id        ${scaffold.id}`,
              `  intercepts ${scaffold.topic}, answers /${scaffold.command}`,
              ...shownFiles(scaffold.files).map((file) => c.dim(`    ${file}`)),
              `  next: cd ${scaffold.dir} && ${NEXT_STEPS[language](name)}`,
              "",
            ].join("\n"),
          );
        }
        setExitCode(0);
      } catch (error) {
        const failure = PolyplugError.from(error);
        if (options.json) io.out(`${JSON.stringify({ ok: false, error: failure.toJSON() })}\n`);
        else io.err(`${c.red("✖ new failed")} ${c.dim(`[${failure.code}]`)}\n${failure.message}\n`);
        setExitCode(1);
      }
    });
}
