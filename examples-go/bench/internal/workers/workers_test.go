package workers

import (
	"sync/atomic"
	"testing"
)

func TestRunCallsOncePerTicketGranted(t *testing.T) {
	for _, n := range []int{1, 8} {
		var calls atomic.Int64
		Run(n, func(ticket int64) bool { return ticket < 100 }, func() { calls.Add(1) })
		if got := calls.Load(); got != 100 {
			t.Fatalf("%d workers: %d calls, want 100", n, got)
		}
	}
}

func TestRunWithNoTicketGrantedCallsNothing(t *testing.T) {
	var calls atomic.Int64
	Run(4, func(int64) bool { return false }, func() { calls.Add(1) })
	if got := calls.Load(); got != 0 {
		t.Fatalf("%d calls, want 0", got)
	}
}
