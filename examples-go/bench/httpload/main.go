// Command httpload is the benchmarks' load generator for the public API of a
// gateway (Polyplug's or the Go gateway): POSTs one JSON body over HTTP/1.1
// keep-alive from Concurrency workers (one connection each) with Go's own
// net/http client, and reports every request's latency. It replaces a
// node:http client that cost ~180-220 µs of CPU per request on one JavaScript
// thread: on a 2-core machine that generator took CPU from the gateway and its
// plugins, and answers arriving together queued behind each other on its
// thread (gateway/bench/PROFILE.md, issue 17 row 5).
//
// A job (one JSON object on one line) on stdin; it warms up, prints {"warm":true} on one
// line, waits for one line on stdin (the caller reads CPU counters meanwhile),
// measures, and prints the result as one JSON line.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
)

func main() {
	in := bufio.NewReader(os.Stdin)
	var job Job
	line, err := in.ReadBytes('\n')
	if err == nil {
		err = json.Unmarshal(line, &job)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "httpload: reading the job: %v\n", err)
		os.Exit(2)
	}
	out := json.NewEncoder(os.Stdout)
	result, err := Run(job, func() error {
		if err := out.Encode(map[string]bool{"warm": true}); err != nil {
			return err
		}
		_, err := in.ReadString('\n')
		return err
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "httpload: %v\n", err)
		os.Exit(1)
	}
	if err := out.Encode(result); err != nil {
		fmt.Fprintf(os.Stderr, "httpload: %v\n", err)
		os.Exit(1)
	}
}
