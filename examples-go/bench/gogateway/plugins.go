package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"github.com/hashicorp/go-plugin"

	"github.com/polyplug/polyplug/examples-go/bench/internal/goplugin"
	polyplug "github.com/polyplug/polyplug/examples-go/sdk"
)

// runningPlugin is one plugin process under go-plugin.
type runningPlugin struct {
	manifest manifest
	raw      *plugin.Client
	client   *polyplug.Client
}

// startPlugin launches one plugin with plugin.NewClient and Polyplug's
// handshake, in the plugin's folder (a relative command is resolved there).
func startPlugin(m manifest) (*runningPlugin, error) {
	argv := append([]string(nil), m.Command...)
	if !filepath.IsAbs(argv[0]) && filepath.Base(argv[0]) != argv[0] {
		argv[0] = filepath.Join(m.dir, argv[0])
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = m.dir
	cmd.Env = os.Environ()
	for k, v := range m.Env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	raw, client, err := goplugin.Start(cmd, 30*time.Second, false)
	if err != nil {
		return nil, fmt.Errorf("plugin %s: %w", m.ID, err)
	}
	return &runningPlugin{manifest: m, raw: raw, client: client}, nil
}

// startPlugins starts every plugin in parallel; on any failure it stops the
// ones that started and returns the first error.
func startPlugins(manifests []manifest) ([]*runningPlugin, error) {
	out := make([]*runningPlugin, len(manifests))
	errs := make([]error, len(manifests))
	var wg sync.WaitGroup
	for i, m := range manifests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i], errs[i] = startPlugin(m)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			stopPlugins(out)
			return nil, err
		}
	}
	return out, nil
}

func stopPlugins(plugins []*runningPlugin) {
	var wg sync.WaitGroup
	for _, p := range plugins {
		if p != nil {
			wg.Add(1)
			go func() { defer wg.Done(); p.raw.Kill() }()
		}
	}
	wg.Wait()
}
