import { describe, expect, it } from "vitest";
import { errorSummary, NO_OUTPUT, withOutputTail } from "./launch.js";

describe("exit messages", () => {
  it("say (no output) when the plugin wrote nothing, never a dangling 'Last output:'", () => {
    expect(withOutputTail("plugin exited unexpectedly (signal SIGKILL)", [])).toBe(
      `plugin exited unexpectedly (signal SIGKILL). Last output: ${NO_OUTPUT}`,
    );
    expect(withOutputTail("plugin exited unexpectedly (signal SIGKILL)", ["", "  "])).toBe(
      `plugin exited unexpectedly (signal SIGKILL). Last output: ${NO_OUTPUT}`,
    );
  });

  it("list the output lines, and a one-line summary ends with the last of them", () => {
    const message = withOutputTail("plugin exited before completing the handshake (exit code 1)", [
      "Traceback (most recent call last):",
      '  File "plugin.py", line 1',
      "ModuleNotFoundError: No module named 'x'",
    ]);
    expect(message.split("\n")).toHaveLength(4);
    expect(errorSummary(message)).toBe(
      "plugin exited before completing the handshake (exit code 1): ModuleNotFoundError: No module named 'x'",
    );
    expect(errorSummary("hook timed out")).toBe("hook timed out");
    const short = errorSummary(message, 90);
    expect(short.length).toBeLessThanOrEqual(90);
    expect(short.endsWith(": ModuleNotFoundError: No module named 'x'")).toBe(true);
  });
});
