// Package goplugin starts a Polyplug plugin under go-plugin's own host
// (plugin.NewClient), the way both Go baselines of the benchmarks do.
package goplugin

import (
	"fmt"
	"os/exec"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	polyplug "github.com/polyplug/polyplug/examples-go/sdk"
)

// Start launches cmd with Polyplug's handshake (gRPC only, the contract's
// message limit), optionally pings it (spawn → healthy, as the TypeScript
// host's startPlugin + health() does) and dispenses the Polyplug client.
// On error the process is killed.
func Start(cmd *exec.Cmd, startTimeout time.Duration, ping bool) (*plugin.Client, *polyplug.Client, error) {
	raw := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  polyplug.Handshake,
		Plugins:          plugin.PluginSet{polyplug.PluginSetKey: &polyplug.GRPCPlugin{}},
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Cmd:              cmd,
		Logger:           hclog.NewNullLogger(),
		StartTimeout:     startTimeout,
		GRPCDialOptions: []grpc.DialOption{grpc.WithDefaultCallOptions(
			grpc.MaxCallRecvMsgSize(polyplug.MaxMessageBytes), grpc.MaxCallSendMsgSize(polyplug.MaxMessageBytes))},
	})
	rpc, err := raw.Client()
	if err != nil {
		raw.Kill()
		return nil, nil, fmt.Errorf("starting: %w", err)
	}
	if ping {
		if err := rpc.Ping(); err != nil {
			raw.Kill()
			return nil, nil, fmt.Errorf("health check: %w", err)
		}
	}
	dispensed, err := rpc.Dispense(polyplug.PluginSetKey)
	if err != nil {
		raw.Kill()
		return nil, nil, fmt.Errorf("dispensing: %w", err)
	}
	return raw, dispensed.(*polyplug.Client), nil
}
