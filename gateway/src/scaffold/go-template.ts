import { currentPlatformKey } from "../registry/manifest.js";
import { CONFORMANCE_FEATURES, manifestJson, readme, type ScaffoldFile, type ScaffoldSpec } from "./scaffold-spec.js";

/** The os-arch pairs a Go scaffold is built for (`polyplug bundle` cross-builds each), plus this machine's. */
export const GO_SCAFFOLD_PLATFORMS = ["linux-amd64", "linux-arm64", "darwin-arm64"] as const;

/** The files of a Go plugin using the Go SDK (copied into third_party/, named by go.mod's `replace`). */
export function goTemplate(spec: ScaffoldSpec): ScaffoldFile[] {
  const goMod = `module example.com/${spec.name.toLowerCase()}

go 1.26.0

require ${spec.sdk.goModule} v0.0.0

${spec.sdk.goRequires}

// The Polyplug Go SDK, copied from the gateway that scaffolded this plugin (pinned to it).
replace ${spec.sdk.goModule} => ./${spec.sdk.goModuleDir}
`;
  const main = `// Command ${spec.name} is a Polyplug plugin: it intercepts ${spec.topic} and
// answers /${spec.command}. The gateway launches it; run by hand it only says it is a plugin.
package main

import (
	"fmt"
	"strings"

	polyplug "${spec.sdk.goModule}/sdk"
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
  const platforms = [...new Set<string>([...GO_SCAFFOLD_PLATFORMS, currentPlatformKey()])];
  const executables = Object.fromEntries(platforms.map((platform) => [platform, `bin/${platform}/${spec.name}`]));
  const here = executables[currentPlatformKey()] ?? "";
  return [
    { path: "go.mod", content: goMod },
    { path: "main.go", content: main },
    { path: "plugin.json", content: manifestJson(spec, { executables }) },
    { path: "conformance.yaml", content: CONFORMANCE_FEATURES },
    { path: ".gitignore", content: "bin/\n*.tar.gz\n*.tar.gz.sig\n" },
    // The bundle carries the binaries `polyplug bundle` builds, not the sources.
    { path: ".polyplugignore", content: "*.go\ngo.mod\ngo.sum\nthird_party/\nconformance.yaml\nREADME.md\n" },
    {
      path: "README.md",
      content: readme(
        spec,
        "Go",
        `go build -o ${here} .\n# other platforms: GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -o bin/linux-arm64/${spec.name} .\n# (polyplug bundle builds every os-arch listed under executables in plugin.json)`,
        `./${here}`,
        `\nThe Go SDK (\`${spec.sdk.goModule}/sdk\`) is the copy in \`${spec.sdk.goModuleDir}/\`, named by the \`replace\` line in go.mod.\n`,
      ),
    },
  ];
}
