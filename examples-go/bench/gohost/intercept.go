package main

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"google.golang.org/protobuf/types/known/structpb"

	"github.com/polyplug/polyplug/examples-go/bench/internal/workers"
	polyplugv1 "github.com/polyplug/polyplug/examples-go/gen/polyplug/v1"
)

// Phase is one measured run of Intercept calls. The measured part stops when
// Calls calls were issued or DurationMs passed, whichever comes first, but
// never before MinCalls calls.
type Phase struct {
	Name         string `json:"name"`
	Topic        string `json:"topic"`
	PayloadBytes int    `json:"payloadBytes"`
	Concurrency  int    `json:"concurrency"`
	Warmup       int    `json:"warmup"`
	Calls        int    `json:"calls"`
	MinCalls     int    `json:"minCalls"`
	DurationMs   int    `json:"durationMs"`
}

// PhaseResult carries raw latencies (microseconds, in completion order); the
// statistics are computed by run.mjs with the same code as the TS host's.
type PhaseResult struct {
	Name        string    `json:"name"`
	LatenciesUs []float64 `json:"latenciesUs"`
	ElapsedMs   float64   `json:"elapsedMs"`
	Errors      int       `json:"errors"`
	FirstError  string    `json:"firstError,omitempty"`
}

// Payload builds the benchmark payload: a short message, or a "data" string of
// the given size. The TS side builds the identical Struct.
func Payload(bytes int) (*structpb.Struct, error) {
	if bytes <= 0 {
		return structpb.NewStruct(map[string]any{"message": "hello, plugin", "user_id": "u-1", "channel_id": "town"})
	}
	return structpb.NewStruct(map[string]any{"data": strings.Repeat("x", bytes)})
}

// runIntercept starts job.Plugins processes of the plugin (at least one) and
// runs each phase; with several plugins one measured call is a chain: Intercept
// on each plugin in turn, as the gateway's chain does, but with no HTTP in front.
func runIntercept(job Job) (any, error) {
	chain := make([]*started, 0, max(job.Plugins, 1))
	defer func() {
		for _, p := range chain {
			p.stop()
		}
	}()
	for range max(job.Plugins, 1) {
		p, err := startPlugin(job.Command, job.Env)
		if err != nil {
			return nil, err
		}
		chain = append(chain, p)
	}
	results := make([]PhaseResult, 0, len(job.Phases))
	for _, phase := range job.Phases {
		r, err := runPhase(chain, phase)
		if err != nil {
			return nil, fmt.Errorf("phase %s: %w", phase.Name, err)
		}
		results = append(results, r)
	}
	return map[string]any{"phases": results}, nil
}

func runPhase(chain []*started, phase Phase) (PhaseResult, error) {
	payload, err := Payload(phase.PayloadBytes)
	if err != nil {
		return PhaseResult{}, err
	}
	req := &polyplugv1.InterceptRequest{
		Context: &polyplugv1.HookContext{RequestId: "bench", PluginId: "bench"},
		Topic:   phase.Topic,
		Payload: payload,
	}
	call := func() error {
		ctx, cancel := withDeadline()
		defer cancel()
		for _, p := range chain {
			resp, err := p.client.Intercept(ctx, req)
			if err != nil {
				return err
			}
			if e := resp.GetError(); e != nil {
				return fmt.Errorf("plugin answered %s: %s", e.GetCode(), e.GetMessage())
			}
		}
		return nil
	}
	concurrency := max(phase.Concurrency, 1)
	// Warm-up: same concurrency, not measured.
	workers.Run(concurrency, func(i int64) bool { return i < int64(phase.Warmup) }, func() { _ = call() })

	var (
		mu        sync.Mutex
		latencies = make([]float64, 0, max(phase.Calls, 1024))
		errors    int
		firstErr  string
	)
	start := time.Now()
	end := start.Add(time.Duration(phase.DurationMs) * time.Millisecond)
	more := func(i int64) bool {
		return i < int64(phase.MinCalls) || (i < int64(phase.Calls) && time.Now().Before(end))
	}
	workers.Run(concurrency, more, func() {
		t0 := time.Now()
		err := call()
		us := float64(time.Since(t0).Nanoseconds()) / 1e3
		mu.Lock()
		latencies = append(latencies, us)
		if err != nil {
			errors++
			if firstErr == "" {
				firstErr = err.Error()
			}
		}
		mu.Unlock()
	})
	elapsed := float64(time.Since(start).Nanoseconds()) / 1e6
	return PhaseResult{Name: phase.Name, LatenciesUs: latencies, ElapsedMs: elapsed, Errors: errors, FirstError: firstErr}, nil
}
