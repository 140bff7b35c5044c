import { Argument, type Command } from "commander";
import { PolyplugError } from "../errors.js";
import { createScaffold } from "../scaffold/scaffold.js";
import { SCAFFOLD_LANGUAGES, type ScaffoldLanguage } from "../scaffold/scaffold-spec.js";
import { paint, type CliIo } from "./io.js";

interface NewOptions {
  dir?: string;
  id?: string;
  goSdk?: string;
  json?: boolean;
}

const NEXT_STEPS: Record<ScaffoldLanguage, (name: string) => string> = {
  go: (name) => `go build -o bin/${name} . && npx polyplug probe -- ./bin/${name}`,
  python: () => "npx polyplug probe -- python plugin.py",
  ts: () => "npm install && npm run build && npx polyplug probe -- node dist/plugin.js",
};

/** Registers `polyplug new go|python|ts NAME`. */
export function registerNew(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  const c = paint(io.color);
  program
    .command("new")
    .description("scaffold a plugin (intercepts a topic, answers a command) that builds, runs under `polyplug serve` and passes the protocol conformance groups")
    .addArgument(new Argument("<language>", "go, python or ts").choices(SCAFFOLD_LANGUAGES))
    .argument("<name>", "plugin name: the folder and program name")
    .option("--dir <dir>", "the folder to create (default: ./NAME)")
    .option("--id <id>", "manifest id (default: com.example.NAME)")
    .option("--go-sdk <dir>", "Go: the Go SDK module folder for go.mod's replace (default: this checkout's examples-go)")
    .option("--json", "print exactly one JSON object on stdout")
    .action(async (language: ScaffoldLanguage, name: string, options: NewOptions) => {
      try {
        const scaffold = await createScaffold({ language, name, ...(options.dir ? { dir: options.dir } : {}), ...(options.id ? { id: options.id } : {}), ...(options.goSdk ? { goSdkDir: options.goSdk } : {}) });
        if (options.json) io.out(`${JSON.stringify({ ok: true, ...scaffold })}\n`);
        else {
          io.out(
            [
              `${c.green("✔ plugin created")} ${scaffold.dir}`,
              `  id        ${scaffold.id}`,
              `  intercepts ${scaffold.topic}, answers /${scaffold.command}`,
              ...scaffold.files.map((file) => c.dim(`    ${file}`)),
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
