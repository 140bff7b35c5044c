package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/polyplug/polyplug/examples-go/bench/internal/workers"
)

// Job is one load: the warm-up stops after WarmupCalls calls and at least
// WarmupMs, the measured part after DurationMs but never before MinCalls.
type Job struct {
	URL         string          `json:"url"`
	Body        json.RawMessage `json:"body"`
	Concurrency int             `json:"concurrency"`
	WarmupCalls int             `json:"warmupCalls"`
	WarmupMs    int             `json:"warmupMs"`
	DurationMs  int             `json:"durationMs"`
	MinCalls    int             `json:"minCalls"`
}

// Result carries raw latencies (microseconds, in completion order) and, per
// answered request, its latency next to the sum of the chain's own step
// durations the answer reports (steps[].durationMs), in microseconds.
type Result struct {
	LatenciesUs []float64    `json:"latenciesUs"`
	Paired      [][2]float64 `json:"paired"`
	ElapsedMs   float64      `json:"elapsedMs"`
	// CPUUs is this process's CPU time (user + system) over the measured part.
	CPUUs      float64 `json:"cpuUs"`
	Errors     int     `json:"errors"`
	FirstError string  `json:"firstError,omitempty"`
}

// answer is what is checked in every Intercept answer.
type answer struct {
	Allowed *bool `json:"allowed"`
	Steps   []struct {
		DurationMs float64 `json:"durationMs"`
	} `json:"steps"`
}

// Run warms up, calls measuring() (which may block), then measures.
func Run(job Job, measuring func() error) (Result, error) {
	concurrency := max(job.Concurrency, 1)
	target, err := url.Parse(job.URL)
	if err != nil {
		return Result{}, err
	}
	// The request is serialized once by net/http and its bytes written as they are on every
	// call; answers are read by net/http's own parser (http.ReadResponse). No client
	// transport: its two goroutines per connection and channel hand-offs per request cost
	// more CPU than the rest of a request here.
	req, err := http.NewRequest(http.MethodPost, job.URL, bytes.NewReader(job.Body))
	if err != nil {
		return Result{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	var wire bytes.Buffer
	if err := req.Write(&wire); err != nil {
		return Result{}, err
	}
	request := wire.Bytes()
	conns := make(chan *conn, concurrency)
	for range concurrency {
		conns <- &conn{address: target.Host}
	}
	defer func() {
		close(conns)
		for c := range conns {
			c.close()
		}
	}()
	post := func() (float64, error) {
		c := <-conns
		defer func() { conns <- c }()
		text, status, err := c.roundTrip(request)
		if err != nil {
			return 0, err
		}
		if status != http.StatusOK {
			return 0, fmt.Errorf("HTTP %d: %.300s", status, text)
		}
		var a answer
		if err := json.Unmarshal(text, &a); err != nil {
			return 0, fmt.Errorf("the answer is not JSON: %w", err)
		}
		if a.Allowed == nil || !*a.Allowed {
			return 0, fmt.Errorf("the gateway did not allow the event: %.300s", text)
		}
		var stepsMs float64
		for _, s := range a.Steps {
			stepsMs += s.DurationMs
		}
		return stepsMs * 1000, nil
	}

	warmEnd := time.Now().Add(time.Duration(job.WarmupMs) * time.Millisecond)
	// The first warm-up error is kept (a pointer, because atomic.Value panics when errors of
	// different concrete types are swapped in).
	var warmErr atomic.Pointer[error]
	workers.Run(concurrency, func(i int64) bool { return i < int64(job.WarmupCalls) || time.Now().Before(warmEnd) }, func() {
		if _, err := post(); err != nil {
			warmErr.CompareAndSwap(nil, &err)
		}
	})
	if err := warmErr.Load(); err != nil {
		return Result{}, fmt.Errorf("warm-up: %w", *err)
	}
	if err := measuring(); err != nil {
		return Result{}, err
	}

	var (
		mu sync.Mutex
		r  = Result{LatenciesUs: make([]float64, 0, 1<<14), Paired: make([][2]float64, 0, 1<<14)}
	)
	cpu0 := cpuUs()
	start := time.Now()
	end := start.Add(time.Duration(job.DurationMs) * time.Millisecond)
	workers.Run(concurrency, func(i int64) bool { return i < int64(job.MinCalls) || time.Now().Before(end) }, func() {
		t0 := time.Now()
		innerUs, err := post()
		us := float64(time.Since(t0).Nanoseconds()) / 1e3
		mu.Lock()
		r.LatenciesUs = append(r.LatenciesUs, us)
		if err != nil {
			r.Errors++
			if r.FirstError == "" {
				r.FirstError = err.Error()
			}
		} else {
			r.Paired = append(r.Paired, [2]float64{us, innerUs})
		}
		mu.Unlock()
	})
	r.ElapsedMs = float64(time.Since(start).Nanoseconds()) / 1e6
	r.CPUUs = cpuUs() - cpu0
	return r, nil
}

// conn is one keep-alive connection, dialled on first use and again after the server closed it.
type conn struct {
	address string
	c       net.Conn
	r       *bufio.Reader
}

func (c *conn) roundTrip(request []byte) ([]byte, int, error) {
	if c.c == nil {
		nc, err := net.Dial("tcp", c.address)
		if err != nil {
			return nil, 0, err
		}
		c.c, c.r = nc, bufio.NewReader(nc)
	}
	if _, err := c.c.Write(request); err != nil {
		c.close()
		return nil, 0, err
	}
	resp, err := http.ReadResponse(c.r, nil)
	if err != nil {
		c.close()
		return nil, 0, err
	}
	text, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil || resp.Close {
		c.close()
	}
	return text, resp.StatusCode, err
}

func (c *conn) close() {
	if c.c != nil {
		_ = c.c.Close()
		c.c, c.r = nil, nil
	}
}

// cpuUs is this process's CPU time so far (user + system), in microseconds.
func cpuUs() float64 {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0
	}
	return float64(u.Utime.Nano()+u.Stime.Nano()) / 1e3
}
