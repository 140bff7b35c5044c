import { CONFORMANCE_FEATURES, manifestJson, readme, type ScaffoldFile, type ScaffoldSpec } from "./scaffold-spec.js";

/** The files of a Python plugin using the `polyplug` package. */
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
  return [
    { path: "plugin.py", content: plugin },
    { path: "plugin.json", content: manifestJson(spec, { command: ["python", "plugin.py"] }) },
    { path: "requirements.txt", content: "polyplug\n" },
    { path: "conformance.yaml", content: CONFORMANCE_FEATURES },
    { path: ".gitignore", content: "__pycache__/\n.venv/\n*.tar.gz\n*.tar.gz.sig\n" },
    {
      path: "README.md",
      content: readme(
        spec,
        "Python",
        "python -m venv .venv && .venv/bin/pip install -r requirements.txt   # the polyplug package (in the Polyplug repo: pip install -e examples-python)",
        ".venv/bin/python plugin.py",
        "\nThe gateway runs `python` from the manifest; point it at your venv with `polyplug serve --python .venv/bin/python`.\n",
      ),
    },
  ];
}
