// Command gohost is the baseline of Polyplug's benchmarks: HashiCorp go-plugin's
// own Go host (plugin.NewClient, Polyplug's handshake, the Go SDK's GRPCPlugin)
// running the same workloads as the TypeScript host against the same plugin
// binaries. It reads one JSON job on stdin and prints one JSON result on
// stdout; gateway/bench/run.mjs drives it and computes the statistics, so both
// hosts are summarised by the same code.
//
// Jobs ("workload"):
//
//	intercept  start the plugin (or a chain of N), run each phase of Intercept calls
//	startup    spawn to healthy (handshake, dial, health check), N samples
//	memory     start N plugin processes, report this host's RSS
package main

import (
	"encoding/json"
	"fmt"
	"os"
)

// Job is what run.mjs asks for. Command is the plugin's argv; Env is added to
// go-plugin's environment (which already includes the host's, as go-plugin does).
type Job struct {
	Workload string   `json:"workload"`
	Command  []string `json:"command"`
	Env      []string `json:"env"`
	Phases   []Phase  `json:"phases"`
	Samples  int      `json:"samples"`
	// Plugins: processes to start (memory; intercept: the chain length).
	Plugins int `json:"plugins"`
	// Topic is what the memory workload intercepts once per plugin.
	Topic string `json:"topic"`
}

func main() {
	var job Job
	if err := json.NewDecoder(os.Stdin).Decode(&job); err != nil {
		fail(fmt.Errorf("reading the job from stdin: %w", err))
	}
	if len(job.Command) == 0 {
		fail(fmt.Errorf("the job names no plugin command"))
	}
	var (
		result any
		err    error
	)
	switch job.Workload {
	case "intercept":
		result, err = runIntercept(job)
	case "startup":
		result, err = runStartup(job)
	case "memory":
		result, err = runMemory(job)
	default:
		err = fmt.Errorf("unknown workload %q (want intercept, startup or memory)", job.Workload)
	}
	if err != nil {
		fail(err)
	}
	if err := json.NewEncoder(os.Stdout).Encode(result); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "gohost: %v\n", err)
	os.Exit(1)
}
