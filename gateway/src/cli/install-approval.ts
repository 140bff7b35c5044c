import { createInterface } from "node:readline/promises";
import type { PluginInfo } from "@polyplug/sdk/internal/gen/polyplug/v1/admin_pb.js";
import { fromPermissionsMessage } from "../admin/permissions-message.js";
import type { Manifest, Permissions } from "../registry/manifest.js";
import { describePermissions, permissionsBeyond } from "../registry/permission-approval.js";
import { AdminCliError, AdminExit } from "./admin-client.js";
import { paint, type CliIo } from "./io.js";

/** How the operator answers: `--approve`, or a y/N question when stdin is a terminal. */
export interface ApprovalSource {
  readonly approve: boolean;
  /** Asks on the terminal; undefined when there is none (no TTY). */
  readonly ask: ((question: string) => Promise<string>) | undefined;
}

/** The process's terminal: asks on stderr/stdin only when stdin is a TTY. */
export function terminalApproval(approve: boolean): ApprovalSource {
  if (!process.stdin.isTTY) return { approve, ask: undefined };
  return {
    approve,
    ask: async (question) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    },
  };
}

/**
 * Shows the bundle's permissions (on stderr) and gets the operator's approval. A first
 * install always needs it; an upgrade only when it asks for more than the installed version
 * was granted (then undefined is returned: the gateway keeps that grant). Without a terminal
 * and without --approve the install is refused, naming the flag.
 */
export async function approvePermissions(
  io: CliIo,
  manifest: Manifest,
  installed: PluginInfo | undefined,
  source: ApprovalSource,
): Promise<Permissions | undefined> {
  const c = paint(io.color);
  const asked = manifest.permissions;
  const granted = installed?.permissions ? fromPermissionsMessage(installed.permissions) : undefined;
  const beyond = granted ? permissionsBeyond(asked, granted) : [];
  const lines = describePermissions(asked).map((line) => `    ${line}`);
  if (installed && granted && beyond.length === 0) {
    io.err(
      `${manifest.id} ${manifest.version} asks for no more than version ${installed.version} was granted:\n${lines.join("\n")}\n`,
    );
    return undefined;
  }
  const heading = installed
    ? `${manifest.id} ${manifest.version} asks for more than version ${installed.version} was granted (${beyond.join(", ")}):`
    : `${manifest.id} ${manifest.version} asks for these permissions:`;
  io.err(`${c.bold(heading)}\n${lines.join("\n")}\n`);
  if (source.approve) {
    io.err(`${c.dim("approved with --approve")}\n`);
    return asked;
  }
  if (!source.ask) {
    throw new AdminCliError(
      AdminExit.Failed,
      "permission_denied",
      `not installed: ${manifest.id}'s permissions need the operator's approval; there is no terminal to ask on, so review them above and run again with --approve`,
    );
  }
  const answer = await source.ask(`Approve these permissions and install ${manifest.id} ${manifest.version}? [y/N] `);
  if (!/^y(es)?$/i.test(answer.trim()))
    throw new AdminCliError(
      AdminExit.Failed,
      "permission_denied",
      `not installed: you did not approve ${manifest.id}'s permissions`,
    );
  return asked;
}
