import { readFile } from "node:fs/promises";
import path from "node:path";
import { toJson, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import type { Command } from "commander";
import { ADMIN_TOKEN_FILE } from "../admin/auth.js";
import { ERROR_CODE_HEADER } from "@polyplug/sdk/internal/contract/headers.js";
import { Admin } from "@polyplug/sdk/internal/gen/polyplug/v1/admin_pb.js";
import { paint, type CliIo } from "./io.js";

/**
 * Exit codes of the commands that talk to a running gateway (status, events, plugin …):
 * scripts can branch on them.
 */
export const AdminExit = {
  Ok: 0,
  /** The gateway refused or could not do it (the message says why). */
  Failed: 1,
  /** The command line is wrong. */
  Usage: 2,
  /** No gateway answered at --url. */
  Unreachable: 3,
  /** No token, or the gateway refused it. */
  Unauthenticated: 4,
} as const;

/** Options every admin command takes. */
export interface AdminCliOptions {
  url: string;
  token?: string;
  data: string;
  json?: boolean;
}

/** A failure that already knows its exit code and what to print. */
export class AdminCliError extends Error {
  constructor(
    readonly exitCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Adds --url, --token, --data and --json to an admin command. */
export function withAdminOptions(command: Command): Command {
  return command
    .option("--url <url>", "Admin API of the running gateway", "http://127.0.0.1:8081")
    .option("--token <token>", "admin token (default: read <data>/admin-token)")
    .option("--data <dir>", "the gateway's data folder, where the token file is", ".polyplug")
    .option("--json", "print exactly one JSON document on stdout (logs/events -f: one JSON object per line)");
}

async function readToken(options: AdminCliOptions): Promise<string> {
  if (options.token) return options.token;
  const file = path.resolve(options.data, ADMIN_TOKEN_FILE);
  try {
    return (await readFile(file, "utf8")).trim();
  } catch (error) {
    throw new AdminCliError(
      AdminExit.Unauthenticated,
      "unauthenticated",
      `cannot read the admin token from ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): point --data at the gateway's data folder or pass --token`,
    );
  }
}

/** A client of the Admin API at --url, sending the bearer token with every call. */
export async function connectAdmin(options: AdminCliOptions): Promise<Client<typeof Admin>> {
  const token = await readToken(options);
  let baseUrl: string;
  try {
    baseUrl = new URL(options.url).toString().replace(/\/$/, "");
  } catch {
    throw new AdminCliError(
      AdminExit.Usage,
      "invalid_argument",
      `--url must be a URL such as http://127.0.0.1:8081, got ${JSON.stringify(options.url)}`,
    );
  }
  const transport = createConnectTransport({
    baseUrl,
    httpVersion: "1.1",
    useBinaryFormat: true,
    interceptors: [
      (next) => (request) => {
        request.header.set("authorization", `Bearer ${token}`);
        return next(request);
      },
    ],
  });
  return createClient(Admin, transport);
}

const UNREACHABLE_CAUSES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ECONNRESET",
  "EPIPE",
]);

function nodeCauseCode(error: unknown): string | undefined {
  for (let reason = error, depth = 0; reason instanceof Error && depth < 10; reason = reason.cause, depth++) {
    const code = (reason as NodeJS.ErrnoException).code;
    if (typeof code === "string" && UNREACHABLE_CAUSES.has(code)) return code;
  }
  return undefined;
}

/** Classifies anything a command threw: exit code, error code and message. */
export function classifyError(error: unknown, url: string): AdminCliError {
  if (error instanceof AdminCliError) return error;
  if (error instanceof ConnectError) {
    const cause = nodeCauseCode(error);
    if (cause)
      return new AdminCliError(
        AdminExit.Unreachable,
        "unreachable",
        `cannot reach the gateway's Admin API at ${url} (${cause}): is \`polyplug serve\` running, and is --url its --admin-listen address?`,
      );
    if (error.code === Code.Unauthenticated)
      return new AdminCliError(AdminExit.Unauthenticated, "unauthenticated", error.rawMessage);
    if (error.code === Code.Unimplemented && !error.metadata.get(ERROR_CODE_HEADER)) {
      return new AdminCliError(
        AdminExit.Unreachable,
        "unreachable",
        `${url} does not serve the Admin API (${error.rawMessage}): is --url the gateway's --admin-listen address?`,
      );
    }
    const code =
      error.metadata.get(ERROR_CODE_HEADER) ?? Code[error.code].replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();
    return new AdminCliError(AdminExit.Failed, code, error.rawMessage);
  }
  return new AdminCliError(AdminExit.Failed, "internal", error instanceof Error ? error.message : String(error));
}

/** The admin port every newcomer's gateway has (`polyplug serve`'s default --admin-listen). */
const DEFAULT_ADMIN_URL = "http://127.0.0.1:8081";

/**
 * When `url` answered "no such route" to an Admin call, asks its root page whether it is a
 * Polyplug gateway's public port; then says so and where the admin port is (the root page
 * names it), instead of the bare `not_found`. Undefined when `url` is something else.
 */
export async function explainPublicPort(error: unknown, url: string): Promise<AdminCliError | undefined> {
  if (!(error instanceof ConnectError) || error.metadata.get(ERROR_CODE_HEADER)) return undefined;
  if (error.code !== Code.NotFound && error.code !== Code.Unimplemented) return undefined;
  try {
    const answer = await fetch(new URL("/", url), {
      headers: { accept: "application/json" },
      signal: AbortSignal.timeout(5000),
    });
    const page = (await answer.json()) as { name?: unknown; admin?: { api?: unknown } };
    if (page.name !== "Polyplug gateway") return undefined;
    const adminUrl = typeof page.admin?.api === "string" ? page.admin.api : DEFAULT_ADMIN_URL;
    return new AdminCliError(
      AdminExit.Unreachable,
      "unreachable",
      `${url} is the gateway's public port, not an admin port; use --url ${adminUrl}`,
    );
  } catch {
    return undefined;
  }
}

/** A message as protobuf JSON, every field included. */
export function messageJson<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): unknown {
  return toJson(schema, message, { alwaysEmitImplicit: true });
}

/** What a command produced: the JSON document and the human text. */
export interface CommandOutput {
  readonly json: unknown;
  readonly human: string;
  /** Exit code when the operation "worked" but its outcome is a failure (e.g. the plugin failed to start). */
  readonly exitCode?: number;
}

/**
 * Runs one admin command: connects, runs `action`, prints its output (JSON on stdout with
 * --json, else human text) or the error (JSON `{"error":{code,message}}` on stdout with
 * --json, else a red line on stderr), and returns the exit code.
 */
export async function runAdminCommand(
  io: CliIo,
  options: AdminCliOptions,
  action: (client: Client<typeof Admin>) => Promise<CommandOutput | undefined>,
): Promise<number> {
  try {
    const output = await action(await connectAdmin(options));
    if (output)
      io.out(
        options.json
          ? `${JSON.stringify(output.json)}\n`
          : output.human.endsWith("\n") || output.human === ""
            ? output.human
            : `${output.human}\n`,
      );
    return output?.exitCode ?? AdminExit.Ok;
  } catch (error) {
    return printFailure(
      io,
      options,
      (await explainPublicPort(error, options.url)) ?? classifyError(error, options.url),
    );
  }
}

/** Prints a failure (JSON on stdout with --json, else a red line on stderr); returns its exit code. */
export function printFailure(io: CliIo, options: Pick<AdminCliOptions, "json">, failure: AdminCliError): number {
  const c = paint(io.color);
  if (options.json) io.out(`${JSON.stringify({ error: { code: failure.code, message: failure.message } })}\n`);
  else io.err(`${c.red("✖")} ${failure.message} ${c.dim(`[${failure.code}]`)}\n`);
  return failure.exitCode;
}

/**
 * A spinner line on stderr while a long operation runs — only when stderr is a terminal,
 * so scripts and pipes see nothing. Returns the function that clears it.
 */
export function progress(text: string): () => void {
  if (!process.stderr.isTTY) return () => undefined;
  const frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
  const started = Date.now();
  let frame = 0;
  const draw = () =>
    process.stderr.write(
      `\r${frames[frame++ % frames.length]} ${text} ${((Date.now() - started) / 1000).toFixed(1)}s\u001b[K`,
    );
  draw();
  const timer = setInterval(draw, 100);
  return () => {
    clearInterval(timer);
    process.stderr.write("\r\u001b[K");
  };
}
