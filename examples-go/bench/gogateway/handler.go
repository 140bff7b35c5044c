package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"time"

	"google.golang.org/protobuf/types/known/structpb"
)

// The same limits as Polyplug's public API.
const (
	maxBodyBytes     = 8<<20 + 64<<10 // an 8 MiB payload plus the envelope
	defaultTimeout   = 30 * time.Second
	maxTimeoutMs     = 300_000
	maxRequestIDLen  = 128
	maxMetadataItems = 64
)

var (
	topicName = regexp.MustCompile(`^[a-z0-9_.-]{1,128}$`)
	requestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)
)

// interceptRequest is polyplug.v1.GatewayInterceptRequest in Connect's JSON.
type interceptRequest struct {
	Topic       string            `json:"topic"`
	Payload     map[string]any    `json:"payload"`
	RequestID   string            `json:"requestId"`
	Traceparent string            `json:"traceparent"`
	Metadata    map[string]string `json:"metadata"`
	TimeoutMs   uint32            `json:"timeoutMs"`
}

// interceptResponse is polyplug.v1.GatewayInterceptResponse in Connect's JSON.
type interceptResponse struct {
	Allowed   bool           `json:"allowed"`
	Payload   any            `json:"payload"`
	Modified  bool           `json:"modified,omitempty"`
	Rejection *rejectionJSON `json:"rejection,omitempty"`
	Steps     []stepJSON     `json:"steps"`
	RequestID string         `json:"requestId"`
}

type rejectionJSON struct {
	PluginID string `json:"pluginId"`
	Reason   string `json:"reason,omitempty"`
	Code     string `json:"code,omitempty"`
	Failure  bool   `json:"failure,omitempty"`
}

type stepJSON struct {
	PluginID   string     `json:"pluginId"`
	Outcome    string     `json:"outcome"`
	DurationMs float64    `json:"durationMs"`
	Error      *errorJSON `json:"error,omitempty"`
	FailMode   string     `json:"failMode"`
}

type errorJSON struct {
	Message string `json:"message"`
}

// gateway serves POST /polyplug.v1.Gateway/Intercept.
type gateway struct {
	plugins []*runningPlugin
}

func (g *gateway) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /polyplug.v1.Gateway/Intercept", g.intercept)
	return mux
}

func (g *gateway) intercept(w http.ResponseWriter, r *http.Request) {
	var req interceptRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err := dec.Decode(&req); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			connectError(w, http.StatusRequestEntityTooLarge, "resource_exhausted", "the request is over 8 MiB")
			return
		}
		connectError(w, http.StatusBadRequest, "invalid_argument", "the body is not a GatewayInterceptRequest in JSON: "+err.Error())
		return
	}
	if msg := validate(&req); msg != "" {
		connectError(w, http.StatusBadRequest, "invalid_argument", msg)
		return
	}
	if req.RequestID == "" {
		req.RequestID = newRequestID()
	}
	if req.Payload == nil {
		req.Payload = map[string]any{}
	}
	payload, err := structpb.NewStruct(req.Payload)
	if err != nil {
		connectError(w, http.StatusBadRequest, "invalid_argument", "payload: "+err.Error())
		return
	}
	timeout := defaultTimeout
	if req.TimeoutMs > 0 {
		timeout = time.Duration(req.TimeoutMs) * time.Millisecond
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	v := runChain(ctx, chainFor(g.plugins, req.Topic), call{
		topic: req.Topic, payload: payload, requestID: req.RequestID, traceparent: req.Traceparent, metadata: req.Metadata,
	})
	if ctx.Err() == context.DeadlineExceeded {
		connectError(w, http.StatusGatewayTimeout, "deadline_exceeded", "the intercept chain did not finish within its deadline")
		return
	}
	resp := interceptResponse{Allowed: v.allowed, Modified: v.modified, Rejection: v.rejection, Steps: v.steps, RequestID: req.RequestID}
	if v.modified {
		resp.Payload = v.payload.AsMap()
	} else {
		resp.Payload = req.Payload
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

// validate returns what is wrong with req, or "".
func validate(req *interceptRequest) string {
	switch {
	case !topicName.MatchString(req.Topic):
		return "topic must match [a-z0-9_.-]{1,128}"
	case req.RequestID != "" && !requestID.MatchString(req.RequestID):
		return "requestId must be at most 128 bytes of [A-Za-z0-9._:-]"
	case len(req.Metadata) > maxMetadataItems:
		return "metadata has more than 64 entries"
	case req.TimeoutMs > maxTimeoutMs:
		return "timeoutMs is over 300000"
	}
	return ""
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// connectError writes a Connect protocol error.
func connectError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"code": code, "message": message})
}
