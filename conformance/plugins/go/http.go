package main

import (
	"errors"
	"io"
	"strconv"
	"strings"

	polyplug "github.com/polyplug/polyplug/examples-go/sdk"
)

const chunkSize = 64 << 10

func (p *conformancePlugin) ServeHTTP(_ *polyplug.HookContext, w polyplug.ResponseWriter, r *polyplug.Request) error {
	switch {
	case r.Path == "/echo":
		w.Header().Set("content-type", "application/octet-stream")
		w.Header().Set("x-conformance-method", r.Method)
		w.WriteHeader(200)
		buf := make([]byte, chunkSize)
		total := 0
		for {
			n, err := r.Body.Read(buf)
			if n > 0 {
				total += n
				if _, werr := w.Write(buf[:n]); werr != nil {
					return werr
				}
			}
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return err
			}
		}
		w.Trailer().Set("x-echo-bytes", strconv.Itoa(total))
		return nil
	case r.Path == "/download":
		n, _ := strconv.Atoi(r.Query().Get("bytes"))
		w.Header().Set("content-type", "application/octet-stream")
		w.WriteHeader(200)
		pattern := []byte(strings.Repeat("0123456789", chunkSize/10+2))
		for sent := 0; sent < n; {
			size := min(n-sent, chunkSize)
			// Chunks restart the pattern at multiples of 10 so the body is "0123456789" repeated.
			if _, err := w.Write(pattern[sent%10 : sent%10+size]); err != nil {
				return err
			}
			sent += size
		}
		return nil
	case r.Path == "/fail":
		return errors.New("the /fail route always fails")
	}
	w.WriteHeader(404)
	return nil
}
