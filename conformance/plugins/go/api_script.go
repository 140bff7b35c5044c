package main

import (
	"strings"
	"time"

	polyplug "github.com/polyplug/polyplug/examples-go/sdk"
	polyplugv1 "github.com/polyplug/polyplug/examples-go/gen/polyplug/v1"
)

// runAPICall performs one step of a conformance.api script (see conformance/README.md)
// and returns its result object.
func runAPICall(hc *polyplug.HookContext, call map[string]any) map[string]any {
	api := hc.API
	str := func(k string) string { s, _ := call[k].(string); return s }
	result, err := func() (map[string]any, error) {
		switch str("op") {
		case "kv_get":
			value, found, err := api.KvGet(hc, str("key"))
			return map[string]any{"found": found, "value": string(value)}, err
		case "kv_set":
			var opts []polyplug.KvSetOption
			if v, ok := call["if_equals"].(string); ok {
				opts = append(opts, polyplug.IfEquals([]byte(v)))
			}
			if v, _ := call["if_absent"].(bool); v {
				opts = append(opts, polyplug.IfAbsent())
			}
			if ms := number(call["ttl_ms"]); ms > 0 {
				opts = append(opts, polyplug.WithTTL(time.Duration(ms)*time.Millisecond))
			}
			r, err := api.KvSet(hc, str("key"), []byte(str("value")), opts...)
			return map[string]any{"applied": r.Applied, "current_value": string(r.Current), "current_found": r.CurrentFound}, err
		case "kv_delete":
			var ifEquals []byte
			if v, ok := call["if_equals"].(string); ok {
				ifEquals = []byte(v)
			}
			deleted, err := api.KvDelete(hc, str("key"), ifEquals)
			return map[string]any{"deleted": deleted}, err
		case "kv_list":
			keys, next, err := api.KvList(hc, str("prefix"), int(number(call["page_size"])), str("page_token"))
			return map[string]any{"keys": toAny(keys), "next_page_token": next}, err
		case "kv_list_all":
			var all []string
			token, pages := "", 0
			for {
				keys, next, err := api.KvList(hc, str("prefix"), int(number(call["page_size"])), token)
				if err != nil {
					return nil, err
				}
				pages++
				all = append(all, keys...)
				if next == "" {
					return map[string]any{"keys": toAny(all), "pages": float64(pages)}, nil
				}
				token = next
			}
		case "log":
			fields, _ := call["fields"].(map[string]any)
			return map[string]any{}, hc.Log(logLevel(str("level")), str("message"), fields)
		case "publish":
			payload, _ := call["payload"].(map[string]any)
			return map[string]any{}, api.PublishEvent(hc, str("event"), payload, audience(call["audience"]))
		case "get_config":
			config, err := api.GetConfig(hc)
			return map[string]any{"configuration": config}, err
		case "save_config":
			config, _ := call["configuration"].(map[string]any)
			return map[string]any{}, api.SaveConfig(hc, config)
		}
		return nil, polyplug.Errorf(polyplugv1.ErrorCode_ERROR_CODE_INVALID_ARGUMENT, "unknown op %q", str("op"))
	}()
	if err != nil {
		return map[string]any{"ok": false, "code": polyplug.CodeOf(err).String(), "message": err.Error()}
	}
	result["ok"] = true
	return result
}

func toAny(list []string) []any {
	out := make([]any, len(list))
	for i, s := range list {
		out[i] = s
	}
	return out
}

func logLevel(name string) polyplug.LogLevel {
	switch strings.ToLower(name) {
	case "trace":
		return polyplug.LevelTrace
	case "debug":
		return polyplug.LevelDebug
	case "warn":
		return polyplug.LevelWarn
	case "error":
		return polyplug.LevelError
	}
	return polyplug.LevelInfo
}

func audience(v any) *polyplug.Audience {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	strs := func(k string) []string {
		list, _ := m[k].([]any)
		out := []string{}
		for _, item := range list {
			if s, ok := item.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	labels := map[string]string{}
	if lm, ok := m["match_labels"].(map[string]any); ok {
		for k, v := range lm {
			labels[k], _ = v.(string)
		}
	}
	return &polyplugv1.Audience{ClientIds: strs("client_ids"), MatchLabels: labels, OmitClientIds: strs("omit_client_ids")}
}
