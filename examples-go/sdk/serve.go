package polyplug

import (
	"context"
	"os"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	polyplugv1 "github.com/polyplug/polyplug/examples-go/gen/polyplug/v1"
)

// Serve runs p as a Polyplug plugin: go-plugin's plugin.Serve with Polyplug's
// handshake and the polyplug.v1.Plugin service. It returns when the host shuts
// the plugin down. Started without the POLYPLUG_PLUGIN cookie, it prints
// go-plugin's "This binary is a plugin" message and exits with status 1.
// The process also exits when its parent (the gateway) dies.
func Serve(p Plugin) {
	logger := NewLogger()
	if debugEnabled() {
		serveDebug(ServeConfig(p, logger), logger)
		return
	}
	go exitWithParent(logger)
	plugin.Serve(ServeConfig(p, logger))
}

// ServeConfig is the go-plugin ServeConfig Serve uses, for callers that need
// to adjust it (for example sdktest, which sets ServeConfig.Test).
func ServeConfig(p Plugin, logger hclog.Logger) *plugin.ServeConfig {
	return &plugin.ServeConfig{
		HandshakeConfig:  Handshake,
		VersionedPlugins: map[int]plugin.PluginSet{AppProtocolVersion: {PluginSetKey: &GRPCPlugin{Impl: p, Logger: logger}}},
		GRPCServer:       newGRPCServer,
		Logger:           logger,
	}
}

// NewLogger returns the SDK's hclog logger: JSON lines on the process's real
// stderr at trace level, which the gateway parses into structured records.
// Create it before Serve (Serve redirects os.Stderr to go-plugin's stdio stream).
func NewLogger() hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{
		Name:       "plugin",
		Level:      hclog.Trace,
		Output:     os.Stderr,
		JSONFormat: true,
	})
}

// newGRPCServer is go-plugin's default server with the contract's 16 MiB
// message limit in both directions.
func newGRPCServer(opts []grpc.ServerOption) *grpc.Server {
	return plugin.DefaultGRPCServer(append(opts,
		grpc.MaxRecvMsgSize(MaxMessageBytes), grpc.MaxSendMsgSize(MaxMessageBytes)))
}

// exitWithParent ends the process when it is re-parented, i.e. the gateway
// died without shutting the plugin down, so no orphan stays behind.
func exitWithParent(logger hclog.Logger) {
	parent := os.Getppid()
	for range time.Tick(time.Second) {
		if os.Getppid() != parent {
			logger.Warn("parent process exited; stopping plugin", "parent_pid", parent)
			os.Exit(0)
		}
	}
}

// GRPCPlugin is the go-plugin plugin.GRPCPlugin for Polyplug. On the plugin
// side it registers polyplug.v1.Plugin backed by Impl; on a Go host's side
// (tests, sdktest) Dispense returns a *Client.
type GRPCPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	// Impl is the plugin served; unused on the host side.
	Impl Plugin
	// Logger receives SDK diagnostics; NewLogger() when nil.
	Logger hclog.Logger
}

// GRPCServer registers polyplug.v1.Plugin on go-plugin's gRPC server.
func (g *GRPCPlugin) GRPCServer(broker *plugin.GRPCBroker, s *grpc.Server) error {
	logger := g.Logger
	if logger == nil {
		logger = NewLogger()
	}
	polyplugv1.RegisterPluginServer(s, &server{impl: g.Impl, broker: broker, logger: logger})
	return nil
}

// GRPCClient returns a *Client for a Go host.
func (g *GRPCPlugin) GRPCClient(_ context.Context, broker *plugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	return &Client{PluginClient: polyplugv1.NewPluginClient(conn), Broker: broker}, nil
}

// Client is the host side of a running plugin: the generated Plugin client and
// the go-plugin broker (to serve the GatewayAPI with Broker.AcceptAndServe).
type Client struct {
	polyplugv1.PluginClient
	Broker *plugin.GRPCBroker
}
