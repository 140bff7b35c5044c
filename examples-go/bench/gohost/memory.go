package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"google.golang.org/protobuf/types/known/structpb"

	polyplugv1 "github.com/polyplug/polyplug/examples-go/gen/polyplug/v1"
)

// runMemory starts job.Plugins plugin processes (a few at a time), calls
// Intercept once on each so every connection is really in use, collects
// garbage and reports this host process's resident set size.
func runMemory(job Job) (any, error) {
	n := max(job.Plugins, 1)
	plugins := make([]*started, n)
	errs := make([]error, n)
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i := range plugins {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			plugins[i], errs[i] = startPlugin(job.Command, job.Env)
		}()
	}
	wg.Wait()
	defer func() {
		for _, p := range plugins {
			if p != nil {
				p.stop()
			}
		}
	}()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	payload, _ := structpb.NewStruct(map[string]any{"message": "hello, plugin"})
	for _, p := range plugins {
		ctx, cancel := withDeadline()
		_, err := p.client.Intercept(ctx, &polyplugv1.InterceptRequest{
			Context: &polyplugv1.HookContext{RequestId: "bench"}, Topic: job.Topic, Payload: payload,
		})
		cancel()
		if err != nil {
			return nil, fmt.Errorf("intercept on a started plugin: %w", err)
		}
	}
	runtime.GC()
	rss, err := residentBytes()
	if err != nil {
		return nil, err
	}
	return map[string]any{"plugins": n, "rssBytes": rss}, nil
}

// residentBytes reads VmRSS from /proc/self/status (Linux).
func residentBytes() (int64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, fmt.Errorf("reading RSS: %w", err)
	}
	defer f.Close()
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		if rest, ok := strings.CutPrefix(scanner.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("no VmRSS line in /proc/self/status")
}
