package main

import (
	"fmt"
	"sync"

	polyplug "github.com/polyplug/polyplug/examples-go/sdk"
)

// PluginID is the manifest id of this plugin.
const PluginID = "com.polyplug.example.wordfilter"

// topic is the event the filter decides on; its payload carries the text in
// "message".
const topic = "message.will_be_posted"

type wordFilter struct {
	polyplug.BasePlugin
	mu    sync.RWMutex
	rules rules
}

func (*wordFilter) Describe() polyplug.Description {
	return polyplug.Description{ID: PluginID, Version: "0.1.0", InterceptTopics: []string{topic}}
}

func (f *wordFilter) setRules(config map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = rulesFromConfig(config)
}

func (f *wordFilter) Activate(hc *polyplug.HookContext, a polyplug.Activation) error {
	f.setRules(a.Config)
	return hc.Log(polyplug.LevelInfo, "wordfilter activated", map[string]any{"gateway_version": a.GatewayVersion})
}

func (f *wordFilter) ConfigurationChanged(hc *polyplug.HookContext, config map[string]any) error {
	f.setRules(config)
	return hc.Log(polyplug.LevelInfo, "wordfilter configuration changed", nil)
}

func (f *wordFilter) Deactivate(hc *polyplug.HookContext) error {
	return hc.Log(polyplug.LevelInfo, "wordfilter deactivated", nil)
}

func (f *wordFilter) Intercept(hc *polyplug.HookContext, _ string, payload map[string]any) (polyplug.Verdict, error) {
	text, ok := payload["message"].(string)
	if !ok {
		return polyplug.Proceed(), nil
	}
	f.mu.RLock()
	r := f.rules
	f.mu.RUnlock()
	if word := r.blockedWord(text); word != "" {
		return polyplug.Reject(fmt.Sprintf("the message contains the blocked word %q", word), "blocked_word"), nil
	}
	if masked := r.mask(text); masked != text {
		out := make(map[string]any, len(payload))
		for k, v := range payload {
			out[k] = v
		}
		out["message"] = masked
		return polyplug.Modify(out), nil
	}
	return polyplug.Proceed(), nil
}
