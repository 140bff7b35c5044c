package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func TestRunMeasuresEveryAnswerAndItsSteps(t *testing.T) {
	var calls atomic.Int64
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || string(body) != `{"topic":"t"}` || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "unexpected request", http.StatusBadRequest)
			return
		}
		calls.Add(1)
		_, _ = io.WriteString(w, `{"allowed":true,"steps":[{"durationMs":0.5},{"durationMs":1.25}]}`)
	}))
	defer server.Close()
	warmed := false
	r, err := Run(Job{URL: server.URL, Body: []byte(`{"topic":"t"}`), Concurrency: 4, WarmupCalls: 10, MinCalls: 20}, func() error {
		warmed = true
		return nil
	})
	if err != nil || !warmed {
		t.Fatalf("Run: %v, warmed %v", err, warmed)
	}
	if r.Errors != 0 || len(r.LatenciesUs) < 20 || len(r.Paired) != len(r.LatenciesUs) {
		t.Fatalf("errors %d (%s), %d latencies, %d paired", r.Errors, r.FirstError, len(r.LatenciesUs), len(r.Paired))
	}
	if r.Paired[0][1] != 1750 {
		t.Fatalf("steps sum %v µs, want 1750", r.Paired[0][1])
	}
	if calls.Load() < 30 {
		t.Fatalf("%d calls reached the server, want warm-up + measured ≥ 30", calls.Load())
	}
}

func TestRunCountsRefusedAnswersAsErrors(t *testing.T) {
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "bad") {
			http.Error(w, "no", http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, `{"allowed":false}`)
	}))
	defer server.Close()
	r, err := Run(Job{URL: server.URL, Body: []byte(`{}`), Concurrency: 2, MinCalls: 4}, func() error { return nil })
	if err != nil || r.Errors != len(r.LatenciesUs) || !strings.Contains(r.FirstError, "did not allow") {
		t.Fatalf("Run: %v, %d errors of %d: %q", err, r.Errors, len(r.LatenciesUs), r.FirstError)
	}
	if _, err := Run(Job{URL: server.URL + "/bad", Body: []byte(`{}`), Concurrency: 1, WarmupCalls: 1}, func() error { return nil }); err == nil || !strings.Contains(err.Error(), "HTTP 503") {
		t.Fatalf("a failing warm-up: %v", err)
	}
}

// Errors of different types during the warm-up (an HTTP 503, then an answer that is not JSON)
// must report the first one, not panic in the load generator.
func TestRunReportsTheFirstOfMixedWarmUpErrors(t *testing.T) {
	var calls atomic.Int64
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1)%2 == 1 {
			http.Error(w, "no", http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, "not json")
	}))
	defer server.Close()
	_, err := Run(Job{URL: server.URL, Body: []byte(`{}`), Concurrency: 4, WarmupCalls: 40}, func() error { return nil })
	if err == nil || !strings.Contains(err.Error(), "warm-up") {
		t.Fatalf("mixed warm-up errors: %v", err)
	}
}
