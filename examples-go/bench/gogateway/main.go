// Command gogateway is the fair baseline of Polyplug's application-path
// benchmarks: what a team would write instead of adopting Polyplug. A plain
// net/http server with JSON in and out, HashiCorp go-plugin clients
// (plugin.NewClient) to the plugins of a Polyplug plugins folder, and the same
// intercept chain semantics: plugins called in order (priority, then id), each
// with its own deadline, modify replaces the payload, the first reject stops
// the chain, a failure is skipped or rejects as the manifest's onFailure says.
// It serves the same request shape as Polyplug's public API,
// POST /polyplug.v1.Gateway/Intercept in Connect JSON, over HTTP/1.1 keep-alive.
// Not there on purpose: supervision (restarts), Notify, commands, admin, store,
// sandbox, TLS to plugins — a first version a team would ship.
//
//	gogateway -plugins DIR [-listen 127.0.0.1:8080]
//
// Prints one JSON line {"url", "pid"} on stdout once every plugin is started
// and the server listens; stops the plugins on SIGINT or SIGTERM.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	pluginsDir := flag.String("plugins", "plugins", "plugins folder, one sub-folder with a plugin.json per plugin")
	listen := flag.String("listen", "127.0.0.1:8080", "public API address")
	flag.Parse()
	if err := run(*pluginsDir, *listen); err != nil {
		fmt.Fprintf(os.Stderr, "gogateway: %v\n", err)
		os.Exit(1)
	}
}

func run(pluginsDir, listen string) error {
	manifests, err := readManifests(pluginsDir)
	if err != nil {
		return err
	}
	plugins, err := startPlugins(manifests)
	if err != nil {
		return err
	}
	defer stopPlugins(plugins)
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	server := &http.Server{Handler: (&gateway{plugins: plugins}).routes(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = server.Shutdown(shutdown)
	}()
	_ = json.NewEncoder(os.Stdout).Encode(map[string]any{"url": "http://" + ln.Addr().String(), "pid": os.Getpid()})
	if err := server.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
