import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { startServing } from "./serve.js";

/** A CliIo that keeps what is written. */
function capture() {
  const written: string[] = [];
  return {
    written,
    io: {
      out: () => undefined,
      err: (text: string) => void written.push(text),
      color: false,
      logDestination: new PassThrough(),
    },
  };
}

// The config file's schema loads only when a file or a node id needs it (issue 17, row 4): both are still checked.
describe("serve options checked before anything starts", () => {
  const scratch = () => mkdtempSync(path.join(tmpdir(), "polyplug-serve-options-"));

  it("refuses a malformed --node-id, naming the flag", async () => {
    const dir = scratch();
    await expect(
      startServing({ nodeId: "not a node id!", data: path.join(dir, "data"), plugins: [dir] }, capture().io),
    ).rejects.toThrow(/--node-id must be 1\.\.64 letters/);
  });

  it("refuses a config file with an unknown field, naming the file and the field", async () => {
    const dir = scratch();
    const config = path.join(dir, "polyplug.yaml");
    writeFileSync(config, "listen: 127.0.0.1:0\nnoSuchField: 1\n");
    const refused = await startServing({ config, data: path.join(dir, "data"), plugins: [dir] }, capture().io).catch(
      (error: unknown) => error,
    );
    expect(String(refused)).toContain(`${config}: field`);
    expect(String(refused)).toContain("noSuchField");
  });
});
