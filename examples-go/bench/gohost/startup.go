package main

import "time"

// runStartup measures spawn to healthy job.Samples times (each plugin is
// stopped before the next starts). Shutdown time is not part of the figure.
func runStartup(job Job) (any, error) {
	samples := make([]float64, 0, job.Samples)
	for i := 0; i < max(job.Samples, 1); i++ {
		t0 := time.Now()
		p, err := startPlugin(job.Command, job.Env)
		if err != nil {
			return nil, err
		}
		samples = append(samples, float64(time.Since(t0).Nanoseconds())/1e6)
		p.stop()
	}
	return map[string]any{"startupMs": samples}, nil
}
