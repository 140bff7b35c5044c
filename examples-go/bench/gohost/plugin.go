package main

import (
	"context"
	"fmt"
	"os/exec"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	polyplug "github.com/polyplug/polyplug/examples-go/sdk"
)

// started is one plugin process under go-plugin's host.
type started struct {
	raw    *plugin.Client
	client *polyplug.Client
}

// startPlugin launches command through plugin.NewClient with Polyplug's
// handshake, dispenses the Polyplug client and checks health, i.e. spawn to
// healthy, exactly what the TypeScript host's startPlugin + health() does.
func startPlugin(command []string, env []string) (*started, error) {
	cmd := exec.Command(command[0], command[1:]...)
	cmd.Env = append([]string(nil), env...)
	raw := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  polyplug.Handshake,
		Plugins:          plugin.PluginSet{polyplug.PluginSetKey: &polyplug.GRPCPlugin{}},
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Cmd:              cmd,
		Logger:           hclog.NewNullLogger(),
		StartTimeout:     60 * time.Second,
		GRPCDialOptions: []grpc.DialOption{grpc.WithDefaultCallOptions(
			grpc.MaxCallRecvMsgSize(polyplug.MaxMessageBytes), grpc.MaxCallSendMsgSize(polyplug.MaxMessageBytes))},
	})
	rpc, err := raw.Client()
	if err != nil {
		raw.Kill()
		return nil, fmt.Errorf("starting %v: %w", command, err)
	}
	if err := rpc.Ping(); err != nil {
		raw.Kill()
		return nil, fmt.Errorf("health check of %v: %w", command, err)
	}
	dispensed, err := rpc.Dispense(polyplug.PluginSetKey)
	if err != nil {
		raw.Kill()
		return nil, fmt.Errorf("dispensing %v: %w", command, err)
	}
	return &started{raw: raw, client: dispensed.(*polyplug.Client)}, nil
}

// stop shuts the plugin down the go-plugin way (Controller.Shutdown, then kill).
func (s *started) stop() { s.raw.Kill() }

// callTimeout bounds every benchmark call, as the gateway's hook deadline does.
const callTimeout = 30 * time.Second

func withDeadline() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), callTimeout)
}
