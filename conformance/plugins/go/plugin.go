package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	polyplug "github.com/polyplug/polyplug/examples-go/sdk"
	polyplugv1 "github.com/polyplug/polyplug/examples-go/gen/polyplug/v1"
)

// PluginID is the id every conformance plugin uses.
const PluginID = "com.polyplug.conformance"

type conformancePlugin struct {
	polyplug.BasePlugin
	mu           sync.Mutex
	config       map[string]any
	configOrigin string
}

func newPlugin() *conformancePlugin { return &conformancePlugin{config: map[string]any{}} }

func (*conformancePlugin) Describe() polyplug.Description {
	return polyplug.Description{
		ID:              PluginID,
		Version:         "1.0.0",
		InterceptTopics: []string{"conformance.*"},
		NotifyTopics:    []string{"conformance.*"},
		Commands: []polyplug.CommandSpec{
			{Name: "echo", Description: "Echoes its arguments", Usage: "[words...]"},
			{Name: "fail", Description: "Always fails with INVALID_ARGUMENT", Usage: ""},
		},
		Routes: []polyplug.Route{{Method: "POST", PathPrefix: "/echo"}, {Method: "GET", PathPrefix: "/download"}, {Method: "GET", PathPrefix: "/fail"}},
	}
}

func (p *conformancePlugin) Activate(hc *polyplug.HookContext, a polyplug.Activation) error {
	if msg, ok := a.Config["fail_activate"].(string); ok {
		return polyplug.Errorf(polyplugv1.ErrorCode_ERROR_CODE_FAILED_PRECONDITION, "%s", msg)
	}
	p.mu.Lock()
	p.config = a.Config
	p.mu.Unlock()
	return hc.Log(polyplug.LevelInfo, "conformance plugin activated", map[string]any{"gateway_version": a.GatewayVersion})
}

func (p *conformancePlugin) Deactivate(hc *polyplug.HookContext) error {
	return hc.Log(polyplug.LevelInfo, "conformance plugin deactivated", nil)
}

func (p *conformancePlugin) ConfigurationChanged(hc *polyplug.HookContext, config map[string]any) error {
	if reject, _ := config["reject_config"].(bool); reject {
		return polyplug.Errorf(polyplugv1.ErrorCode_ERROR_CODE_INVALID_ARGUMENT, "configuration rejected: reject_config is true")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.config, p.configOrigin = config, hc.OriginPluginID
	return nil
}

func errorCode(name any) polyplugv1.ErrorCode {
	if s, ok := name.(string); ok {
		if v, ok := polyplugv1.ErrorCode_value[s]; ok {
			return polyplugv1.ErrorCode(v)
		}
	}
	return polyplugv1.ErrorCode_ERROR_CODE_INTERNAL
}

func number(v any) float64 {
	f, _ := v.(float64)
	return f
}

func (p *conformancePlugin) Intercept(hc *polyplug.HookContext, topic string, payload map[string]any) (polyplug.Verdict, error) {
	switch topic {
	case "conformance.echo":
		return polyplug.Proceed(), nil
	case "conformance.modify":
		out := map[string]any{}
		for k, v := range payload {
			out[k] = v
		}
		out["modified"] = true
		return polyplug.Modify(out), nil
	case "conformance.reject":
		reason, _ := payload["reason"].(string)
		code, _ := payload["code"].(string)
		return polyplug.Reject(reason, code), nil
	case "conformance.fail":
		msg, _ := payload["message"].(string)
		return polyplug.Verdict{}, polyplug.Errorf(errorCode(payload["code"]), "%s", msg)
	case "conformance.throw":
		panic(fmt.Sprint(payload["message"]))
	case "conformance.sleep":
		select {
		case <-time.After(time.Duration(number(payload["ms"])) * time.Millisecond):
			return polyplug.Proceed(), nil
		case <-hc.Done():
			if key, ok := payload["key"].(string); ok && hc.API != nil {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				_, _ = hc.API.KvSet(ctx, key, []byte("cancelled"))
			}
			return polyplug.Verdict{}, hc.Err()
		}
	case "conformance.context":
		return polyplug.Modify(map[string]any{
			"request_id": hc.RequestID, "plugin_id": hc.PluginID, "origin_plugin_id": hc.OriginPluginID,
			"traceparent": hc.Traceparent, "tracestate": hc.Tracestate, "metadata": stringMap(hc.Metadata),
			"has_deadline": !hc.ReportedDeadline.IsZero(),
		}), nil
	case "conformance.config":
		p.mu.Lock()
		defer p.mu.Unlock()
		return polyplug.Modify(map[string]any{"configuration": p.config, "origin_plugin_id": p.configOrigin}), nil
	case "conformance.grow":
		return polyplug.Modify(map[string]any{"data": strings.Repeat("x", int(number(payload["bytes"])))}), nil
	case "conformance.print":
		fmt.Fprintln(os.Stdout, payload["text"])
		return polyplug.Proceed(), nil
	case "conformance.api":
		calls, _ := payload["calls"].([]any)
		results := make([]any, 0, len(calls))
		for _, c := range calls {
			call, _ := c.(map[string]any)
			results = append(results, runAPICall(hc, call))
		}
		return polyplug.Modify(map[string]any{"results": results}), nil
	}
	return polyplug.Verdict{}, polyplug.Errorf(polyplugv1.ErrorCode_ERROR_CODE_NOT_FOUND, "unknown conformance topic %q", topic)
}

func stringMap(m map[string]string) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

func (p *conformancePlugin) Notify(hc *polyplug.HookContext, topic string, payload map[string]any) error {
	if code, ok := payload["fail"].(string); ok {
		return polyplug.Errorf(errorCode(code), "notify failed as asked")
	}
	id, _ := payload["id"].(string)
	record, _ := json.Marshal(map[string]any{"topic": topic, "payload": payload})
	_, err := hc.API.KvSet(hc, "notify/"+id, record)
	return err
}

func (p *conformancePlugin) ExecuteCommand(_ *polyplug.HookContext, cmd polyplug.Command) (polyplug.CommandResult, error) {
	if cmd.Name == "fail" {
		return polyplug.CommandResult{}, polyplug.Errorf(polyplugv1.ErrorCode_ERROR_CODE_INVALID_ARGUMENT, "bad arguments: %s", strings.Join(cmd.Args, " "))
	}
	args := make([]any, len(cmd.Args))
	for i, a := range cmd.Args {
		args[i] = a
	}
	return polyplug.CommandResult{Text: strings.Join(cmd.Args, " "), Data: map[string]any{"command": cmd.Name, "args": args, "raw": cmd.Raw}}, nil
}
