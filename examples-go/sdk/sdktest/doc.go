// Package sdktest helps plugin authors test Polyplug plugins written with the
// Go SDK. It starts a plugin under HashiCorp go-plugin's own host
// (plugin.NewClient), either as a built binary or in-process, and serves an
// in-memory GatewayAPI to it through the real go-plugin broker, so a test
// exercises exactly the path the gateway uses.
//
//	host := sdktest.StartBinary(t, "bin/wordfilter", sdktest.Options{AutoMTLS: true})
//	api := sdktest.NewMemoryGatewayAPI()
//	host.Activate(t, api, map[string]any{"blocked_words": []any{"spam"}})
//	resp, err := host.Intercept(ctx, &polyplugv1.InterceptRequest{...})
package sdktest
