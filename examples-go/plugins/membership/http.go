package main

import (
	"encoding/json"
	"io"
	"net/http"

	polyplug "github.com/polyplug/polyplug/examples-go/sdk"
)

// ServeHTTP answers GET /count?channel=<id> with {"channel_id":..., "count":...}
// and streams POST /echo's body straight back with the same Content-Type.
func (m *membership) ServeHTTP(hc *polyplug.HookContext, w polyplug.ResponseWriter, r *polyplug.Request) error {
	switch {
	case r.Method == http.MethodGet && r.Path == "/count":
		channel := r.Query().Get("channel")
		if channel == "" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			return json.NewEncoder(w).Encode(map[string]string{"error": "query parameter channel is required"})
		}
		n, err := memberCount(hc, hc.API, channel)
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/json")
		return json.NewEncoder(w).Encode(map[string]any{"channel_id": channel, "count": n})
	case r.Method == http.MethodPost && r.Path == "/echo":
		if ct := r.Header.Get("Content-Type"); ct != "" {
			w.Header().Set("Content-Type", ct)
		}
		w.WriteHeader(http.StatusOK)
		_, err := io.Copy(w, r.Body)
		return err
	default:
		w.WriteHeader(http.StatusNotFound)
		return nil
	}
}
