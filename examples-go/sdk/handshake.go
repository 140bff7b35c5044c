package polyplug

import "github.com/hashicorp/go-plugin"

// AppProtocolVersion is the Polyplug contract version this SDK speaks.
const AppProtocolVersion = 1

// PluginSetKey is the name under which the SDK registers the Polyplug plugin in
// go-plugin's PluginSet; a Go host dispenses it with this name.
const PluginSetKey = "polyplug"

// SDK identity reported in DescribeResponse.sdk.
const (
	SDKName    = "polyplug-go"
	SDKVersion = "0.1.0"
)

// Handshake is Polyplug's go-plugin handshake: a plugin started without
// POLYPLUG_PLUGIN set to the cookie value refuses to run.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  AppProtocolVersion,
	MagicCookieKey:   "POLYPLUG_PLUGIN",
	MagicCookieValue: "5be0d50d6b1969b5bbdf8d18b208649b561434faabc06d476b2e525d3b9c8abb",
}
