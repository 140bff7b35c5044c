package sdktest

import (
	"context"
	"os/exec"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/structpb"

	polyplugv1 "github.com/polyplug/polyplug/examples-go/gen/polyplug/v1"
	polyplug "github.com/polyplug/polyplug/examples-go/sdk"
)

// Options configure how a plugin is started.
type Options struct {
	// AutoMTLS turns on go-plugin's automatic mutual TLS (binaries only).
	AutoMTLS bool
	// Env is added to the plugin process environment (binaries only).
	Env []string
	// Logger receives go-plugin's host logs and the plugin's stderr lines;
	// silent when nil.
	Logger hclog.Logger
}

// Host is a running plugin seen from a go-plugin host: the generated Plugin
// client and the broker (embedded through *polyplug.Client), plus the
// go-plugin client that owns the process.
type Host struct {
	*polyplug.Client
	Raw *plugin.Client
}

// StartBinary launches the plugin binary at path (with optional args) through
// plugin.NewClient and dispenses it. The plugin is shut down when t ends.
func StartBinary(t testing.TB, path string, opts Options, args ...string) *Host {
	t.Helper()
	cmd := exec.Command(path, args...)
	cmd.Env = opts.Env
	return start(t, &plugin.ClientConfig{Cmd: cmd, AutoMTLS: opts.AutoMTLS}, opts)
}

// StartInProcess serves p inside the test process (go-plugin's test mode, over
// a real socket) and attaches a go-plugin client to it. AutoMTLS and Env are
// ignored. The plugin is shut down when t ends.
func StartInProcess(t testing.TB, p polyplug.Plugin, opts Options) *Host {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	reattach := make(chan *plugin.ReattachConfig, 1)
	closed := make(chan struct{})
	cfg := polyplug.ServeConfig(p, logger(opts))
	cfg.Test = &plugin.ServeTestConfig{Context: ctx, ReattachConfigCh: reattach, CloseCh: closed}
	go plugin.Serve(cfg)
	t.Cleanup(func() {
		cancel()
		<-closed
	})
	select {
	case rc := <-reattach:
		return start(t, &plugin.ClientConfig{Reattach: rc}, opts)
	case <-time.After(10 * time.Second):
		t.Fatal("in-process plugin did not start serving within 10s")
		return nil
	}
}

func logger(opts Options) hclog.Logger {
	if opts.Logger != nil {
		return opts.Logger
	}
	return hclog.NewNullLogger()
}

func start(t testing.TB, cfg *plugin.ClientConfig, opts Options) *Host {
	t.Helper()
	cfg.HandshakeConfig = polyplug.Handshake
	// Plugins (not VersionedPlugins): go-plugin reads only Plugins on reattach.
	cfg.Plugins = plugin.PluginSet{polyplug.PluginSetKey: &polyplug.GRPCPlugin{}}
	cfg.AllowedProtocols = []plugin.Protocol{plugin.ProtocolGRPC}
	cfg.Logger = logger(opts)
	cfg.GRPCDialOptions = []grpc.DialOption{grpc.WithDefaultCallOptions(
		grpc.MaxCallRecvMsgSize(polyplug.MaxMessageBytes), grpc.MaxCallSendMsgSize(polyplug.MaxMessageBytes))}
	client := plugin.NewClient(cfg)
	t.Cleanup(client.Kill)
	rpc, err := client.Client()
	if err != nil {
		t.Fatalf("sdktest: starting plugin: %v", err)
	}
	raw, err := rpc.Dispense(polyplug.PluginSetKey)
	if err != nil {
		t.Fatalf("sdktest: dispensing plugin: %v", err)
	}
	return &Host{Client: raw.(*polyplug.Client), Raw: client}
}

// ServeGatewayAPI serves api to the plugin on a fresh broker id and returns
// the id, to pass in ActivateRequest.gateway_api_broker_id.
func (h *Host) ServeGatewayAPI(api polyplugv1.GatewayAPIServer) uint32 {
	id := h.Broker.NextId()
	go h.Broker.AcceptAndServe(id, func(opts []grpc.ServerOption) *grpc.Server {
		s := plugin.DefaultGRPCServer(append(opts,
			grpc.MaxRecvMsgSize(polyplug.MaxMessageBytes), grpc.MaxSendMsgSize(polyplug.MaxMessageBytes)))
		polyplugv1.RegisterGatewayAPIServer(s, api)
		return s
	})
	return id
}

// Activate serves api through the broker, then calls Describe and Activate
// with config, failing t when either fails. It returns the Describe answer.
func (h *Host) Activate(t testing.TB, api polyplugv1.GatewayAPIServer, config map[string]any) *polyplugv1.DescribeResponse {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	desc, err := h.Describe(ctx, &polyplugv1.DescribeRequest{Context: Context("describe")})
	if err != nil {
		t.Fatalf("sdktest: Describe: %v", err)
	}
	st, err := structpb.NewStruct(config)
	if err != nil {
		t.Fatalf("sdktest: configuration: %v", err)
	}
	resp, err := h.Plugin().Activate(ctx, &polyplugv1.ActivateRequest{
		Context:            Context("activate", desc.GetPluginId()),
		Configuration:      st,
		GatewayApiBrokerId: h.ServeGatewayAPI(api),
		Gateway:            &polyplugv1.GatewayInfo{Version: "0.0.0-sdktest", InstanceId: "sdktest"},
	})
	if err != nil {
		t.Fatalf("sdktest: Activate: %v", err)
	}
	if resp.GetError() != nil {
		t.Fatalf("sdktest: Activate answered error %s: %s", resp.GetError().GetCode(), resp.GetError().GetMessage())
	}
	return desc
}

// Plugin returns the generated client (convenience for the embedded field).
func (h *Host) Plugin() polyplugv1.PluginClient { return h.PluginClient }

// Context builds a HookContext with the given request id and, optionally,
// plugin id.
func Context(requestID string, pluginID ...string) *polyplugv1.HookContext {
	hc := &polyplugv1.HookContext{RequestId: requestID}
	if len(pluginID) > 0 {
		hc.PluginId = pluginID[0]
	}
	return hc
}
