package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// manifest is the part of a Polyplug plugin.json this gateway reads, so both
// gateways run from the very same plugins folder.
type manifest struct {
	ID      string            `json:"id"`
	Command []string          `json:"command"`
	Env     map[string]string `json:"env"`
	Hooks   struct {
		Intercept []subscription `json:"intercept"`
	} `json:"hooks"`
	dir string
}

// subscription is one intercept hook: a topic pattern, its place in the chain,
// its own deadline and what a failure does (as in Polyplug's manifest).
type subscription struct {
	Topic     string `json:"topic"`
	Priority  int    `json:"priority"`
	TimeoutMs int    `json:"timeoutMs"`
	OnFailure string `json:"onFailure"`
}

// Defaults of Polyplug's manifest for intercept hooks.
const (
	defaultTimeoutMs = 5000
	defaultOnFailure = "open"
)

// readManifests reads <dir>/*/plugin.json, sorted by plugin id.
func readManifests(dir string) ([]manifest, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading the plugins folder: %w", err)
	}
	var out []manifest
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		pluginDir := filepath.Join(dir, e.Name())
		raw, err := os.ReadFile(filepath.Join(pluginDir, "plugin.json"))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		var m manifest
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("%s/plugin.json: %w", pluginDir, err)
		}
		if m.ID == "" || len(m.Command) == 0 {
			return nil, fmt.Errorf("%s/plugin.json: id and command are required", pluginDir)
		}
		for i := range m.Hooks.Intercept {
			s := &m.Hooks.Intercept[i]
			if s.TimeoutMs <= 0 {
				s.TimeoutMs = defaultTimeoutMs
			}
			if s.OnFailure == "" {
				s.OnFailure = defaultOnFailure
			}
		}
		m.dir = pluginDir
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// topicMatches: an exact topic, "prefix.*" (at least one character after the
// dot) or "*", as Polyplug matches subscriptions.
func topicMatches(pattern, topic string) bool {
	if pattern == "*" {
		return true
	}
	if prefix, ok := strings.CutSuffix(pattern, "*"); ok && strings.HasSuffix(pattern, ".*") {
		return len(topic) > len(prefix) && strings.HasPrefix(topic, prefix)
	}
	return pattern == topic
}
