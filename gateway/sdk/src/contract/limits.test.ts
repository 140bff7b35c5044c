import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { MAX_MESSAGE_BYTES } from "../goplugin/channel.js";
import { describeBytes, LIMITS } from "./limits.js";
import { COMMAND_NAME_RULE, TOPIC_NAME_RULE } from "./names.js";

const readme = readFileSync(new URL("../../../../proto/README.md", import.meta.url), "utf8");
const commonProto = readFileSync(new URL("../../../../proto/polyplug/v1/common.proto", import.meta.url), "utf8");

/** The value column of proto/README.md §9's row starting with `label`. */
function readmeRow(label: string): string {
  const row = readme.split("\n").find((line) => line.startsWith(`| ${label}`));
  if (!row) throw new Error(`proto/README.md has no row ${label}`);
  return row.split("|")[2]?.trim() ?? "";
}

describe("contract limits", () => {
  it("agree with proto/README.md §1 and §9", () => {
    expect(readme).toContain(
      `Max gRPC message size on every plugin connection, both directions | 16 MiB (${LIMITS.messageBytes.toLocaleString("en").replaceAll(",", " ")} bytes)`,
    );
    expect(readmeRow("Intercept / Notify payload")).toBe(`${LIMITS.payloadBytes / 2 ** 20} MiB`);
    expect(readmeRow("KV key")).toBe(`1–${LIMITS.kvKeyBytes} bytes of UTF-8, no NUL`);
    expect(readmeRow("KV value")).toBe(`0–${LIMITS.kvValueBytes / 2 ** 20} MiB`);
    expect(readmeRow("KV list `page_size`")).toBe(`1–${LIMITS.kvMaxPageSize}; 0 = ${LIMITS.kvDefaultPageSize}`);
    expect(readmeRow("HTTP body chunk")).toBe(`1–${LIMITS.httpChunkBytes / 1024} KiB`);
    expect(readmeRow("Log message / log fields")).toBe(
      `${LIMITS.logMessageBytes / 1024} KiB / ${LIMITS.logFieldsBytes / 1024} KiB serialized`,
    );
    expect(readmeRow("Topics / commands / routes per Describe")).toBe(`${LIMITS.describeEntries} each`);
    expect(readmeRow("`Error.message`")).toBe(`${LIMITS.errorMessageBytes / 1024} KiB`);
    expect(readmeRow("Event name")).toBe(`\`${TOPIC_NAME_RULE}\``);
    expect(readmeRow("Topic name")).toBe(`\`${TOPIC_NAME_RULE}\``);
    expect(readmeRow("Command name")).toBe(`\`${COMMAND_NAME_RULE}\``);
  });

  it("agree with common.proto's LIMITS comment", () => {
    expect(commonProto).toMatch(new RegExp(`16 MiB \\(${LIMITS.messageBytes} bytes\\)`));
    expect(commonProto).toMatch(new RegExp(`8 MiB \\(${LIMITS.payloadBytes} bytes\\)`));
    expect(commonProto).toContain(`Command name (ExecuteCommand)                               ${COMMAND_NAME_RULE}`);
  });

  it("is the channel's message limit (go-plugin core)", () => {
    expect(MAX_MESSAGE_BYTES).toBe(LIMITS.messageBytes);
  });

  it("names a limit in bytes and its unit", () => {
    expect(describeBytes(LIMITS.payloadBytes)).toBe("8388608 bytes (8 MiB)");
    expect(describeBytes(LIMITS.httpChunkBytes)).toBe("65536 bytes (64 KiB)");
    expect(describeBytes(1000)).toBe("1000 bytes");
  });
});
