import { currentPlatformKey } from "../registry/manifest.js";
import { CONFORMANCE_FEATURES, manifestJson, readme, type ScaffoldFile, type ScaffoldSpec } from "./scaffold-spec.js";

/** The files of a Go plugin using the Go SDK (`github.com/polyplug/polyplug/examples-go/sdk`). */
export function goTemplate(spec: ScaffoldSpec): ScaffoldFile[] {
  const goMod = `module example.com/${spec.name.toLowerCase()}

go 1.26.0

require github.com/polyplug/polyplug/examples-go v0.0.0
${spec.goRequires ? `\n${spec.goRequires}\n` : ""}${spec.goSdkPath ? `\n// The Go SDK lives in the Polyplug repository (not a published module).\nreplace github.com/polyplug/polyplug/examples-go => ${spec.goSdkPath}\n` : ""}`;
  const main = `// Command ${spec.name} is a Polyplug plugin: it intercepts ${spec.topic} and
// answers /${spec.command}. The gateway launches it; run by hand it only says it is a plugin.
package main

import (
	"fmt"
	"strings"

	polyplug "github.com/polyplug/polyplug/examples-go/sdk"
)

// pluginID must equal the manifest id.
const pluginID = ${JSON.stringify(spec.id)}

type plugin struct {
	polyplug.BasePlugin
	greeting string
}

func (*plugin) Describe() polyplug.Description {
	return polyplug.Description{
		ID:              pluginID,
		Version:         "0.1.0",
		InterceptTopics: []string{${JSON.stringify(spec.topic)}},
		Commands:        []polyplug.CommandSpec{{Name: ${JSON.stringify(spec.command)}, Description: "says hello", Usage: "[name]"}},
	}
}

func greetingFrom(config map[string]any) string {
	if g, ok := config["greeting"].(string); ok && g != "" {
		return g
	}
	return "hello"
}

func (p *plugin) Activate(hc *polyplug.HookContext, a polyplug.Activation) error {
	p.greeting = greetingFrom(a.Config)
	return hc.Log(polyplug.LevelInfo, "${spec.name} activated", nil)
}

func (p *plugin) ConfigurationChanged(_ *polyplug.HookContext, config map[string]any) error {
	p.greeting = greetingFrom(config)
	return nil
}

func (*plugin) Intercept(_ *polyplug.HookContext, _ string, payload map[string]any) (polyplug.Verdict, error) {
	if text, _ := payload["message"].(string); strings.Contains(strings.ToLower(text), "forbidden") {
		return polyplug.Reject("the message contains a forbidden word", "forbidden"), nil
	}
	out := make(map[string]any, len(payload)+1)
	for k, v := range payload {
		out[k] = v
	}
	out["checked_by"] = pluginID
	return polyplug.Modify(out), nil
}

func (p *plugin) ExecuteCommand(_ *polyplug.HookContext, cmd polyplug.Command) (polyplug.CommandResult, error) {
	name := "world"
	if len(cmd.Args) > 0 {
		name = cmd.Args[0]
	}
	return polyplug.CommandResult{Text: fmt.Sprintf("%s, %s!", p.greeting, name), Data: map[string]any{"plugin": pluginID}}, nil
}

func main() {
	polyplug.Serve(&plugin{greeting: "hello"})
}
`;
  // Only this machine's platform: add others (GOOS=… GOARCH=… go build -o bin/<os-arch>/…) before bundling for them.
  const executables = { [currentPlatformKey()]: `bin/${spec.name}` };
  return [
    { path: "go.mod", content: goMod },
    { path: "main.go", content: main },
    { path: "plugin.json", content: manifestJson(spec, { executables }) },
    { path: "conformance.yaml", content: CONFORMANCE_FEATURES },
    { path: ".gitignore", content: "bin/\n*.tar.gz\n*.tar.gz.sig\n" },
    {
      path: "README.md",
      content: readme(
        spec,
        "Go",
        spec.goRequires ? `go build -o bin/${spec.name} .` : `go mod tidy        # once: fills go.sum\ngo build -o bin/${spec.name} .`,
        `./bin/${spec.name}`,
        spec.goSdkPath ? `\nThe Go SDK comes from the Polyplug repository through the \`replace\` line in go.mod (${spec.goSdkPath}).\n` : "",
      ),
    },
  ];
}
