// Package workers is the worker pool both Go load generators of the benchmarks
// (gohost's Intercept phases, httpload's HTTP load) drive their calls with.
package workers

import (
	"sync"
	"sync/atomic"
)

// Run starts n workers that each take the next ticket (0, 1, 2, …) and call fn
// while more(ticket); it returns when every worker has stopped.
func Run(n int, more func(ticket int64) bool, fn func()) {
	var tickets atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < n; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for more(tickets.Add(1) - 1) {
				fn()
			}
		}()
	}
	wg.Wait()
}
