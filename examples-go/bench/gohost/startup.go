package main

import (
	"syscall"
	"time"
)

// runStartup measures spawn to healthy job.Samples times (each plugin is
// stopped before the next starts). Shutdown time is not part of the figure.
// cpuMsPerStart is this host's CPU time (user + system) per start and stop.
func runStartup(job Job) (any, error) {
	samples := make([]float64, 0, job.Samples)
	cpu0 := cpuMs()
	for i := 0; i < max(job.Samples, 1); i++ {
		t0 := time.Now()
		p, err := startPlugin(job.Command, job.Env)
		if err != nil {
			return nil, err
		}
		samples = append(samples, float64(time.Since(t0).Nanoseconds())/1e6)
		p.stop()
	}
	return map[string]any{"startupMs": samples, "cpuMsPerStart": (cpuMs() - cpu0) / float64(len(samples))}, nil
}

// cpuMs is this process's CPU time so far (user + system), in milliseconds.
func cpuMs() float64 {
	var usage syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &usage); err != nil {
		return 0
	}
	return float64(usage.Utime.Nano()+usage.Stime.Nano()) / 1e6
}
