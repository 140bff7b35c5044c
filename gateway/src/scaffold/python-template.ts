import { CONFORMANCE_FEATURES, manifestJson, readme, type ScaffoldFile, type ScaffoldSpec } from "./scaffold-spec.js";

/** The files of a Python plugin using the polyplug-sdk wheel (copied into vendor/; import name `polyplug`). */
export function pythonTemplate(spec: ScaffoldSpec): ScaffoldFile[] {
  const plugin = `"""${spec.name}: a Polyplug plugin that intercepts ${spec.topic} and answers /${spec.command}.

The gateway launches it (manifest \`command: ["python", "plugin.py"]\`); run by hand it only
says it is a plugin.
"""

from __future__ import annotations

from typing import Any

from polyplug import Command, CommandResult, HookContext, Modify, Plugin, Reject

PLUGIN_ID = ${JSON.stringify(spec.id)}
plugin = Plugin(id=PLUGIN_ID, version="0.1.0")


def greeting() -> str:
    value = plugin.config.get("greeting")
    return value if isinstance(value, str) and value else "hello"


@plugin.on_activate
def activate(ctx: HookContext) -> None:
    plugin.api.log("info", "${spec.name} activated", request_id=ctx.request_id)


@plugin.intercept(${JSON.stringify(spec.topic)})
def check_message(ctx: HookContext, payload: dict[str, Any]) -> Modify | Reject:
    text = payload.get("message")
    if isinstance(text, str) and "forbidden" in text.lower():
        return Reject("the message contains a forbidden word", code="forbidden")
    return Modify({**payload, "checked_by": PLUGIN_ID})


@plugin.command(${JSON.stringify(spec.command)}, description="says hello", usage="[name]")
def hello(ctx: HookContext, command: Command) -> CommandResult:
    name = command.args[0] if command.args else "world"
    return CommandResult(text=f"{greeting()}, {name}!", data={"plugin": PLUGIN_ID})


if __name__ == "__main__":
    plugin.serve()
`;
  const requirements = `# Pinned requirements (name==version, or a wheel file). \`polyplug bundle\` builds them into
# wheels inside the bundle and the gateway installs them, offline, into this plugin's own venv.
# The Polyplug SDK, copied from the gateway that scaffolded this plugin, and its dependencies:
./${spec.sdk.wheel}
${spec.sdk.pythonPins.join("\n")}
# Your plugin's own dependencies, pinned:
`;
  return [
    { path: "plugin.py", content: plugin },
    { path: "plugin.json", content: manifestJson(spec, { command: ["python", "plugin.py"] }) },
    { path: "requirements.txt", content: requirements },
    { path: "conformance.yaml", content: CONFORMANCE_FEATURES },
    { path: ".gitignore", content: "__pycache__/\n.venv/\n*.tar.gz\n*.tar.gz.sig\n" },
    // The bundle carries wheels built from requirements.txt, not the vendored SDK copy.
    { path: ".polyplugignore", content: "vendor/\nconformance.yaml\nREADME.md\n" },
    {
      path: "README.md",
      content: readme(
        spec,
        "Python",
        "python3 -m venv .venv\n.venv/bin/pip install -r requirements.txt",
        ".venv/bin/python plugin.py",
        "\nThe gateway runs each Python plugin with its own venv: `.venv/` in the plugin folder when it has one, and for an installed bundle a venv it creates, offline, from the bundle's wheels.\n",
      ),
    },
  ];
}
