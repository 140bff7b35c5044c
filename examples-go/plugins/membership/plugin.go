package main

import (
	"sort"
	"strings"
	"sync/atomic"

	polyplugv1 "github.com/polyplug/polyplug/examples-go/gen/polyplug/v1"
	polyplug "github.com/polyplug/polyplug/examples-go/sdk"
)

// PluginID is the manifest id of this plugin.
const PluginID = "com.polyplug.example.membership"

const (
	topicJoined  = "user.joined_channel"
	topicLeft    = "user.left_channel"
	eventChanged = "changed"
)

type membership struct {
	polyplug.BasePlugin
	// publish mirrors the "publish_events" setting (default true).
	publish atomic.Bool
}

func (*membership) Describe() polyplug.Description {
	return polyplug.Description{
		ID:           PluginID,
		Version:      "0.1.0",
		NotifyTopics: []string{topicJoined, topicLeft},
		Commands: []polyplug.CommandSpec{{
			Name: "members", Description: "Count the members of a channel, or of every channel", Usage: "[channel]",
		}},
		Routes: []polyplug.Route{{Method: "GET", PathPrefix: "/count"}, {Method: "POST", PathPrefix: "/echo"}},
	}
}

func (m *membership) applyConfig(config map[string]any) {
	publish, ok := config["publish_events"].(bool)
	m.publish.Store(!ok || publish)
}

// Activate reads the stored configuration through the GatewayAPI and, on
// first activation, saves it back with its defaults filled in.
func (m *membership) Activate(hc *polyplug.HookContext, a polyplug.Activation) error {
	config, err := hc.API.GetConfig(hc)
	if err != nil {
		return err
	}
	m.applyConfig(config)
	if _, set := config["publish_events"]; !set {
		config["publish_events"] = true
		if err := hc.API.SaveConfig(hc, config); err != nil {
			return err
		}
	}
	return hc.Log(polyplug.LevelInfo, "membership activated", map[string]any{"publish_events": m.publish.Load()})
}

func (m *membership) ConfigurationChanged(hc *polyplug.HookContext, config map[string]any) error {
	m.applyConfig(config)
	return hc.Log(polyplug.LevelDebug, "membership configuration changed",
		map[string]any{"own_save": hc.OriginPluginID == hc.PluginID && hc.PluginID != ""})
}

func (m *membership) Deactivate(hc *polyplug.HookContext) error {
	return hc.Log(polyplug.LevelInfo, "membership deactivated", nil)
}

func (m *membership) Notify(hc *polyplug.HookContext, topic string, payload map[string]any) error {
	channel, err := channelOf(payload)
	if err != nil {
		return err
	}
	delta := 1
	if topic == topicLeft {
		delta = -1
	}
	count, err := addMember(hc, hc.API, channel, delta)
	if err != nil {
		return err
	}
	if !m.publish.Load() {
		return nil
	}
	return hc.API.PublishEvent(hc, eventChanged,
		map[string]any{"channel_id": channel, "user_id": payload["user_id"], "count": count},
		&polyplug.Audience{MatchLabels: map[string]string{"channel_id": channel}})
}

func (m *membership) ExecuteCommand(hc *polyplug.HookContext, cmd polyplug.Command) (polyplug.CommandResult, error) {
	if cmd.Name != "members" {
		return polyplug.CommandResult{}, polyplug.Errorf(polyplugv1.ErrorCode_ERROR_CODE_NOT_FOUND, "unknown command %q", cmd.Name)
	}
	if len(cmd.Args) > 1 {
		return polyplug.CommandResult{}, polyplug.Errorf(polyplugv1.ErrorCode_ERROR_CODE_INVALID_ARGUMENT, "usage: /members [channel]")
	}
	if len(cmd.Args) == 1 {
		n, err := memberCount(hc, hc.API, cmd.Args[0])
		if err != nil {
			return polyplug.CommandResult{}, err
		}
		return polyplug.CommandResult{Text: describeCount(cmd.Args[0], n),
			Data: map[string]any{"channel_id": cmd.Args[0], "count": n}}, nil
	}
	counts, err := allCounts(hc, hc.API)
	if err != nil {
		return polyplug.CommandResult{}, err
	}
	channels := make([]string, 0, len(counts))
	data := make(map[string]any, len(counts))
	for c, n := range counts {
		channels = append(channels, c)
		data[c] = n
	}
	sort.Strings(channels)
	lines := make([]string, 0, len(channels))
	for _, c := range channels {
		lines = append(lines, describeCount(c, counts[c]))
	}
	if len(lines) == 0 {
		lines = append(lines, "no channel has members")
	}
	return polyplug.CommandResult{Text: strings.Join(lines, "\n"), Data: map[string]any{"counts": data}}, nil
}
