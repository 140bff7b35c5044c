package polyplug

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	polyplugv1 "github.com/polyplug/polyplug/examples-go/gen/polyplug/v1"
)

// Request is an HTTP request routed to the plugin. Body streams the request
// body frame by frame as the gateway sends it (never buffered whole); it
// returns io.EOF once the body is complete, after which Trailer holds the
// request trailers.
type Request struct {
	Method     string      // upper case
	Path       string      // after /plugins/{id}, percent-encoded, starts with "/"
	RawQuery   string      // without "?"
	Header     http.Header // canonicalised names; trusted "Polyplug-*" headers come from the gateway
	RemoteAddr string
	Body       io.Reader
	Trailer    http.Header
}

// Query parses RawQuery (malformed pairs are skipped).
func (r *Request) Query() url.Values {
	v, _ := url.ParseQuery(r.RawQuery)
	return v
}

// ResponseWriter streams an HTTP response to the gateway. WriteHeader sends
// the head (status 200..599) at once; Write sends the bytes at once as body
// chunks of at most 64 KiB, writing a 200 head first if none was sent. Header
// must be filled before the head is sent; Trailer before the handler returns.
type ResponseWriter interface {
	Header() http.Header
	WriteHeader(status int)
	Write(p []byte) (int, error)
	Trailer() http.Header
}

type responseWriter struct {
	stream   polyplugv1.Plugin_ServeHTTPServer
	header   http.Header
	trailer  http.Header
	sentHead bool
	err      error // first send or validation failure; every later write returns it
}

func (w *responseWriter) Header() http.Header  { return w.header }
func (w *responseWriter) Trailer() http.Header { return w.trailer }

func (w *responseWriter) WriteHeader(status int) {
	if w.sentHead || w.err != nil {
		return
	}
	if status < 200 || status > 599 {
		w.err = invalidArgument("status", fmt.Sprintf("HTTP status %d is outside 200..599", status))
		return
	}
	w.sentHead = true
	w.err = w.stream.Send(&polyplugv1.ServeHTTPResponse{Frame: &polyplugv1.ServeHTTPResponse_Head{
		Head: &polyplugv1.HttpResponseHead{Status: uint32(status), Headers: toHeaders(w.header)},
	}})
}

func (w *responseWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	written := 0
	for w.err == nil && written < len(p) {
		chunk := p[written:min(len(p), written+MaxBodyChunk)]
		w.err = w.stream.Send(&polyplugv1.ServeHTTPResponse{Frame: &polyplugv1.ServeHTTPResponse_Body{Body: chunk}})
		if w.err == nil {
			written += len(chunk)
		}
	}
	return written, w.err
}

// finish ends a successful response: a head if none was sent, then trailers.
func (w *responseWriter) finish() error {
	w.WriteHeader(http.StatusOK)
	if w.err == nil && len(w.trailer) > 0 {
		w.err = w.stream.Send(&polyplugv1.ServeHTTPResponse{Frame: &polyplugv1.ServeHTTPResponse_Trailers{
			Trailers: &polyplugv1.HttpResponseTrailers{Headers: toHeaders(w.trailer)},
		}})
	}
	return w.err
}

func toHeaders(h http.Header) []*polyplugv1.HttpHeader {
	var out []*polyplugv1.HttpHeader
	for name, values := range h {
		for _, v := range values {
			out = append(out, &polyplugv1.HttpHeader{Name: strings.ToLower(name), Value: v})
		}
	}
	return out
}

func fromHeaders(hs []*polyplugv1.HttpHeader) http.Header {
	h := http.Header{}
	for _, kv := range hs {
		h.Add(kv.GetName(), kv.GetValue())
	}
	return h
}

var errHandlerReturned = errors.New("ServeHTTP handler returned; request body no longer readable")

func (s *server) ServeHTTP(stream polyplugv1.Plugin_ServeHTTPServer) error {
	first, err := stream.Recv()
	if err != nil {
		return err
	}
	head := first.GetHead()
	if head == nil {
		return stream.Send(errorFrame(invalidArgument("frame", "the first ServeHTTP request frame must be a head")))
	}
	pr, pw := io.Pipe()
	req := &Request{
		Method: head.GetMethod(), Path: head.GetPath(), RawQuery: head.GetRawQuery(),
		Header: fromHeaders(head.GetHeaders()), RemoteAddr: head.GetRemoteAddr(),
		Body: pr, Trailer: http.Header{},
	}
	go pumpRequestBody(stream, pw, req)

	w := &responseWriter{stream: stream, header: http.Header{}, trailer: http.Header{}}
	perr := s.run(stream.Context(), head.GetContext(), "ServeHTTP", func(hc *HookContext) error {
		if err := s.impl.ServeHTTP(hc, w, req); err != nil {
			return err
		}
		return w.finish()
	})
	_ = pr.CloseWithError(errHandlerReturned)
	if perr != nil && stream.Context().Err() == nil {
		// The error frame is always the last one, before or after the head.
		return stream.Send(&polyplugv1.ServeHTTPResponse{Frame: &polyplugv1.ServeHTTPResponse_Error{Error: perr}})
	}
	return nil
}

func errorFrame(err error) *polyplugv1.ServeHTTPResponse {
	return &polyplugv1.ServeHTTPResponse{Frame: &polyplugv1.ServeHTTPResponse_Error{Error: toProtoError(err)}}
}

// pumpRequestBody copies body frames into pw as the handler reads (io.Pipe
// hands each chunk over only when read, so nothing accumulates), and records
// the trailers before signalling EOF.
func pumpRequestBody(stream polyplugv1.Plugin_ServeHTTPServer, pw *io.PipeWriter, req *Request) {
	for {
		msg, err := stream.Recv()
		if err == io.EOF {
			_ = pw.CloseWithError(fmt.Errorf("request stream closed before its end frame: %w", io.ErrUnexpectedEOF))
			return
		}
		if err != nil {
			_ = pw.CloseWithError(fmt.Errorf("request stream failed: %w", err))
			return
		}
		switch f := msg.GetFrame().(type) {
		case *polyplugv1.ServeHTTPRequest_Body:
			if len(f.Body) > MaxBodyChunk {
				_ = pw.CloseWithError(&Error{Code: polyplugv1.ErrorCode_ERROR_CODE_RESOURCE_EXHAUSTED,
					Message: fmt.Sprintf("request body chunk is %d bytes, over the limit of %d bytes", len(f.Body), MaxBodyChunk),
					Details: map[string]string{"limit": fmt.Sprintf("%d bytes", MaxBodyChunk)}})
				return
			}
			if _, err := pw.Write(f.Body); err != nil {
				return // the handler returned without reading the rest
			}
		case *polyplugv1.ServeHTTPRequest_End:
			for k, vs := range fromHeaders(f.End.GetTrailers()) {
				req.Trailer[k] = vs
			}
			_ = pw.Close()
			return
		default:
			_ = pw.CloseWithError(invalidArgument("frame", "ServeHTTP request frame out of order: only body and end may follow the head"))
			return
		}
	}
}
