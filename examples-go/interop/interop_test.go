// Package interop drives plugins built with the other Polyplug SDKs (Python,
// TypeScript) through HashiCorp go-plugin's own host, proving they are
// go-plugin plugins a Go host can use. Each test is skipped unless its
// environment variable names the command that starts such a plugin.
package interop

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/structpb"

	polyplugv1 "github.com/polyplug/polyplug/examples-go/gen/polyplug/v1"
	"github.com/polyplug/polyplug/examples-go/sdk/sdktest"
)

func TestPythonPlugin(t *testing.T)     { runInterop(t, "POLYPLUG_INTEROP_PYTHON_CMD") }
func TestTypeScriptPlugin(t *testing.T) { runInterop(t, "POLYPLUG_INTEROP_TS_CMD") }

// runInterop starts the command in env (split on whitespace) with AutoMTLS off
// and on, then calls Describe, Activate (GatewayAPI served through the broker)
// and, when the plugin intercepts anything, Intercept on its first topic.
func runInterop(t *testing.T, env string) {
	argv := strings.Fields(os.Getenv(env))
	if len(argv) == 0 {
		t.Skipf("%s is not set", env)
	}
	for _, autoMTLS := range []bool{false, true} {
		name := "autoMTLS=false"
		if autoMTLS {
			name = "autoMTLS=true"
		}
		t.Run(name, func(t *testing.T) {
			host := sdktest.StartBinary(t, argv[0], sdktest.Options{AutoMTLS: autoMTLS}, argv[1:]...)
			api := sdktest.NewMemoryGatewayAPI()
			desc := host.Activate(t, api, map[string]any{})
			if desc.GetPluginId() == "" {
				t.Fatalf("Describe returned no plugin id: %v", desc)
			}
			topics := desc.GetInterceptTopics()
			if len(topics) == 0 {
				return
			}
			topic := concreteTopic(topics[0])
			payload, _ := structpb.NewStruct(map[string]any{"message": "hello from the Go host"})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			resp, err := host.Intercept(ctx, &polyplugv1.InterceptRequest{
				Context: sdktest.Context("interop", desc.GetPluginId()), Topic: topic, Payload: payload,
			})
			if err != nil {
				t.Fatalf("Intercept failed at the transport level: %v", err)
			}
			t.Logf("Intercept on %q answered %v (GatewayAPI calls: %v)", topic, resp, api.Calls())
		})
	}
}

// concreteTopic turns a topic pattern into a topic it matches: "*" and "a.*"
// get an "interop" segment, exact topics stay as they are.
func concreteTopic(pattern string) string {
	switch {
	case pattern == "*":
		return "interop.test"
	case strings.HasSuffix(pattern, ".*"):
		return strings.TrimSuffix(pattern, "*") + "interop"
	}
	return pattern
}
