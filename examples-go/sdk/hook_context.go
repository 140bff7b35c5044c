package polyplug

import (
	"context"
	"time"

	"github.com/hashicorp/go-hclog"

	polyplugv1 "github.com/polyplug/polyplug/examples-go/gen/polyplug/v1"
)

// HookContext is passed to every handler. It is a context.Context: the gRPC
// call's, so its deadline is the gateway's and it is cancelled when the gateway
// stops waiting. Pass it to GatewayAPI calls and any other blocking work.
type HookContext struct {
	context.Context
	// RequestID identifies the application request that caused this call; pass
	// it to GatewayAPI.Log so the gateway can correlate records.
	RequestID string
	// Traceparent and Tracestate are the W3C trace context (empty when off).
	Traceparent string
	Tracestate  string
	// PluginID is this plugin's id as the gateway knows it.
	PluginID string
	// OriginPluginID is set when a plugin caused the event (compare with
	// PluginID to ignore your own echoes, e.g. after SaveConfig).
	OriginPluginID string
	// ReportedDeadline is the deadline the gateway reported (informational; the
	// context's Deadline is authoritative). Zero when none.
	ReportedDeadline time.Time
	// Metadata is caller metadata chosen by the gateway ("user_id", ...).
	Metadata map[string]string
	// API is the GatewayAPI client; nil until Activate has connected it.
	API *GatewayAPI
	// Logger writes hclog JSON to stderr, which the gateway captures.
	Logger hclog.Logger
}

// newHookContext builds the handler context from the gRPC call context and
// the request's HookContext message (which may be nil).
func newHookContext(ctx context.Context, pc *polyplugv1.HookContext, api *GatewayAPI, logger hclog.Logger) *HookContext {
	hc := &HookContext{Context: ctx, API: api, Logger: logger, Metadata: map[string]string{}}
	if pc == nil {
		return hc
	}
	hc.RequestID, hc.Traceparent, hc.Tracestate = pc.GetRequestId(), pc.GetTraceparent(), pc.GetTracestate()
	hc.PluginID, hc.OriginPluginID = pc.GetPluginId(), pc.GetOriginPluginId()
	if pc.GetDeadline() != nil {
		hc.ReportedDeadline = pc.GetDeadline().AsTime()
	}
	for k, v := range pc.GetMetadata() {
		hc.Metadata[k] = v
	}
	if hc.RequestID != "" {
		hc.Logger = logger.With("request_id", hc.RequestID)
	}
	return hc
}

// Log writes a record through the GatewayAPI tagged with this call's request
// id. Before activation (no API) it falls back to the stderr logger.
func (hc *HookContext) Log(level LogLevel, msg string, fields map[string]any) error {
	if hc.API == nil {
		hc.Logger.Log(hclog.Level(level), msg)
		return nil
	}
	return hc.API.Log(hc, level, msg, fields, hc.RequestID)
}
