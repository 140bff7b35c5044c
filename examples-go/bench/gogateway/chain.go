package main

import (
	"context"
	"fmt"
	"sort"
	"time"

	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	polyplugv1 "github.com/polyplug/polyplug/examples-go/gen/polyplug/v1"
)

// link is one plugin in a topic's chain with the subscription that put it there.
type link struct {
	plugin *runningPlugin
	sub    subscription
}

// chainFor lists the plugins subscribed to topic: ascending priority, then id.
func chainFor(plugins []*runningPlugin, topic string) []link {
	var links []link
	for _, p := range plugins {
		for _, s := range p.manifest.Hooks.Intercept {
			if topicMatches(s.Topic, topic) {
				links = append(links, link{plugin: p, sub: s})
				break
			}
		}
	}
	sort.SliceStable(links, func(i, j int) bool {
		if links[i].sub.Priority != links[j].sub.Priority {
			return links[i].sub.Priority < links[j].sub.Priority
		}
		return links[i].plugin.manifest.ID < links[j].plugin.manifest.ID
	})
	return links
}

// call is one Intercept request as the application sent it.
type call struct {
	topic       string
	payload     *structpb.Struct
	requestID   string
	traceparent string
	metadata    map[string]string
}

// verdict is the chain's answer, before JSON.
type verdict struct {
	allowed   bool
	modified  bool
	payload   *structpb.Struct
	rejection *rejectionJSON
	steps     []stepJSON
}

// runChain calls each link in order, each with its own deadline inside the
// chain's: a modify replaces the payload for the next plugin, a reject stops
// the chain, a failure is skipped (fail open) or rejects (fail closed).
func runChain(ctx context.Context, links []link, c call) verdict {
	v := verdict{allowed: true, payload: c.payload, steps: make([]stepJSON, 0, len(links))}
	for _, l := range links {
		id := l.plugin.manifest.ID
		start := time.Now()
		stepCtx, cancel := context.WithTimeout(ctx, time.Duration(l.sub.TimeoutMs)*time.Millisecond)
		deadline, _ := stepCtx.Deadline()
		resp, err := l.plugin.client.Intercept(stepCtx, &polyplugv1.InterceptRequest{
			Context: &polyplugv1.HookContext{
				RequestId:   c.requestID,
				Traceparent: c.traceparent,
				PluginId:    id,
				Deadline:    timestamppb.New(deadline),
				Metadata:    c.metadata,
			},
			Topic:   c.topic,
			Payload: v.payload,
		})
		cancel()
		step := stepJSON{PluginID: id, FailMode: failModeName(l.sub.OnFailure)}
		if err == nil && resp.GetError() != nil {
			err = fmt.Errorf("%s: %s", resp.GetError().GetCode(), resp.GetError().GetMessage())
		}
		switch {
		case err != nil:
			step.Error = &errorJSON{Message: err.Error()}
			if l.sub.OnFailure == "closed" {
				step.Outcome = "CHAIN_STEP_OUTCOME_FAILED_CLOSED"
				v.allowed = false
				v.rejection = &rejectionJSON{PluginID: id, Reason: err.Error(), Code: "plugin_failed", Failure: true}
			} else {
				step.Outcome = "CHAIN_STEP_OUTCOME_FAILED_OPEN"
			}
		case resp.GetReject() != nil:
			step.Outcome = "CHAIN_STEP_OUTCOME_REJECT"
			v.allowed = false
			v.rejection = &rejectionJSON{PluginID: id, Reason: resp.GetReject().GetReason(), Code: resp.GetReject().GetCode()}
		case resp.GetModify() != nil:
			step.Outcome = "CHAIN_STEP_OUTCOME_MODIFY"
			v.modified = true
			v.payload = resp.GetModify().GetPayload()
			if v.payload == nil {
				v.payload = &structpb.Struct{}
			}
		default:
			step.Outcome = "CHAIN_STEP_OUTCOME_PROCEED"
		}
		step.DurationMs = float64(time.Since(start).Nanoseconds()) / 1e6
		v.steps = append(v.steps, step)
		if !v.allowed {
			break
		}
	}
	return v
}

func failModeName(onFailure string) string {
	if onFailure == "closed" {
		return "FAIL_MODE_CLOSED"
	}
	return "FAIL_MODE_OPEN"
}
