// Package polyplug is the Go SDK for writing Polyplug plugins.
//
// A plugin is a program whose main calls Serve with a value implementing
// Plugin. Embed BasePlugin to get a do-nothing default for every hook and
// implement only the hooks you declare in Describe:
//
//	type greeter struct{ polyplug.BasePlugin }
//
//	func (greeter) Describe() polyplug.Description {
//		return polyplug.Description{ID: "com.example.greeter", Version: "0.1.0",
//			NotifyTopics: []string{"user.joined_channel"}}
//	}
//
//	func (greeter) Notify(hc *polyplug.HookContext, topic string, payload map[string]any) error {
//		return hc.API.Log(hc, polyplug.LevelInfo, "someone joined", payload, hc.RequestID)
//	}
//
//	func main() { polyplug.Serve(greeter{}) }
//
// Serve runs HashiCorp go-plugin's plugin.Serve with Polyplug's handshake
// (cookie POLYPLUG_PLUGIN, app protocol version 1), so the gateway, or any
// go-plugin host, can launch the binary. Handlers receive a HookContext that is
// also a context.Context carrying the gateway's deadline; after Activate its API
// field is a GatewayAPI client dialled through the go-plugin broker.
//
// Handler failures never take the plugin down: a returned error becomes the
// response's Error (ERROR_CODE_PLUGIN_FAILED unless it is an *Error with its own
// code) and a panic is recovered the same way. Package sdktest starts plugins
// under a real go-plugin host for tests.
package polyplug
