package main

import (
	"context"
	"fmt"
	"os/exec"
	"time"

	"github.com/hashicorp/go-plugin"

	"github.com/polyplug/polyplug/examples-go/bench/internal/goplugin"
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
	raw, client, err := goplugin.Start(cmd, 60*time.Second, true)
	if err != nil {
		return nil, fmt.Errorf("%v: %w", command, err)
	}
	return &started{raw: raw, client: client}, nil
}

// stop shuts the plugin down the go-plugin way (Controller.Shutdown, then kill).
func (s *started) stop() { s.raw.Kill() }

// callTimeout bounds every benchmark call, as the gateway's hook deadline does.
const callTimeout = 30 * time.Second

func withDeadline() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), callTimeout)
}
