package polyplug

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
)

// DebugEnv turns debug mode on: POLYPLUG_DEBUG=1 ./bin/myplugin (or under dlv exec).
// The plugin then serves without the gateway's magic cookie and without AutoMTLS,
// keeps running when its parent exits, and prints go-plugin's reattach
// configuration (the shape of Terraform's TF_REATTACH_PROVIDERS values) on stderr;
// a gateway attaches with `polyplug serve --reattach ID=JSON` or
// POLYPLUG_REATTACH_PLUGINS.
const DebugEnv = "POLYPLUG_DEBUG"

func debugEnabled() bool {
	v := os.Getenv(DebugEnv)
	return v != "" && v != "0" && v != "false"
}

// reattachJSON is go-plugin's ReattachConfig as a JSON object.
type reattachJSON struct {
	Protocol        string
	ProtocolVersion int
	Pid             int
	Test            bool
	Addr            struct{ Network, String string }
}

// serveDebug serves in go-plugin's test mode (no cookie, no handshake line) until
// the gateway shuts the plugin down or Ctrl-C / SIGTERM arrives.
func serveDebug(cfg *plugin.ServeConfig, logger hclog.Logger) {
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	reattach := make(chan *plugin.ReattachConfig, 1)
	closed := make(chan struct{})
	cfg.Test = &plugin.ServeTestConfig{Context: ctx, ReattachConfigCh: reattach, CloseCh: closed}
	go plugin.Serve(cfg)
	select {
	case rc := <-reattach:
		out := reattachJSON{Protocol: string(rc.Protocol), ProtocolVersion: rc.ProtocolVersion, Pid: rc.Pid, Test: true}
		out.Addr.Network, out.Addr.String = rc.Addr.Network(), rc.Addr.String()
		line, _ := json.Marshal(out)
		fmt.Fprintf(os.Stderr, "polyplug: debug mode, waiting for a gateway to attach:\n  polyplug serve --reattach <plugin-id>='%s'\nPOLYPLUG_REATTACH=%s\n", line, line)
	case <-closed:
		logger.Error("plugin server stopped before it was ready")
		os.Exit(1)
	}
	<-closed
}
