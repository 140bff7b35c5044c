package polyplug_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	polyplugv1 "github.com/polyplug/polyplug/examples-go/gen/polyplug/v1"
	polyplug "github.com/polyplug/polyplug/examples-go/sdk"
	"github.com/polyplug/polyplug/examples-go/sdk/sdktest"
)

// faulty misbehaves on purpose, to check the SDK contains every failure.
type faulty struct{ polyplug.BasePlugin }

func (faulty) Describe() polyplug.Description {
	return polyplug.Description{ID: "test.faulty", Version: "0.0.1", InterceptTopics: []string{"*"},
		Routes: []polyplug.Route{{Method: "*", PathPrefix: "/"}}}
}

func (faulty) Intercept(_ *polyplug.HookContext, topic string, payload map[string]any) (polyplug.Verdict, error) {
	switch topic {
	case "panic":
		panic("boom")
	case "coded":
		return polyplug.Verdict{}, polyplug.Errorf(polyplugv1.ErrorCode_ERROR_CODE_FAILED_PRECONDITION, "not ready")
	case "plain":
		return polyplug.Verdict{}, errors.New("plain failure")
	case "huge":
		return polyplug.Modify(map[string]any{"x": strings.Repeat("y", polyplug.MaxPayloadBytes)}), nil
	}
	return polyplug.Modify(payload), nil
}

func (faulty) ServeHTTP(_ *polyplug.HookContext, w polyplug.ResponseWriter, r *polyplug.Request) error {
	if r.Path == "/panic-after-head" {
		w.WriteHeader(200)
		_, _ = w.Write([]byte("partial"))
		panic("mid-stream")
	}
	_, err := io.Copy(io.Discard, r.Body)
	return err
}

func TestHandlerFailuresBecomeErrors(t *testing.T) {
	host := sdktest.StartInProcess(t, faulty{}, sdktest.Options{Logger: hclog.NewNullLogger()})
	ctx := context.Background()
	cases := []struct {
		topic    string
		payload  map[string]any
		wantCode polyplugv1.ErrorCode
		wantMsg  string
	}{
		{"panic", nil, polyplugv1.ErrorCode_ERROR_CODE_PLUGIN_FAILED, "Intercept handler panicked: boom"},
		{"coded", nil, polyplugv1.ErrorCode_ERROR_CODE_FAILED_PRECONDITION, "not ready"},
		{"plain", nil, polyplugv1.ErrorCode_ERROR_CODE_PLUGIN_FAILED, "plain failure"},
		{"huge", nil, polyplugv1.ErrorCode_ERROR_CODE_RESOURCE_EXHAUSTED, "limit of 8388608 bytes"},
		{"oversized.input", map[string]any{"x": strings.Repeat("z", polyplug.MaxPayloadBytes+10)},
			polyplugv1.ErrorCode_ERROR_CODE_RESOURCE_EXHAUSTED, "intercept payload is"},
		{"ok", map[string]any{"a": "b"}, 0, ""},
	}
	for _, tc := range cases {
		t.Run(tc.topic, func(t *testing.T) {
			resp, err := host.Intercept(ctx, &polyplugv1.InterceptRequest{
				Context: sdktest.Context("x"), Topic: tc.topic, Payload: mustStruct(t, tc.payload),
			})
			if err != nil {
				t.Fatalf("gRPC call failed (the SDK must answer with data): %v", err)
			}
			if resp.GetError().GetCode() != tc.wantCode || !strings.Contains(resp.GetError().GetMessage(), tc.wantMsg) {
				t.Fatalf("error = %v, want %s containing %q", resp.GetError(), tc.wantCode, tc.wantMsg)
			}
			if tc.wantCode != 0 && resp.GetOutcome() != nil {
				t.Fatalf("outcome %v set together with an error", resp.GetOutcome())
			}
		})
	}

	t.Run("ServeHTTP panic after head ends with an error frame", func(t *testing.T) {
		stream, err := host.ServeHTTP(ctx)
		if err != nil {
			t.Fatal(err)
		}
		_ = stream.Send(&polyplugv1.ServeHTTPRequest{Frame: &polyplugv1.ServeHTTPRequest_Head{Head: &polyplugv1.HttpRequestHead{Method: "GET", Path: "/panic-after-head"}}})
		var kinds []string
		for {
			msg, err := stream.Recv()
			if err != nil {
				break
			}
			switch msg.GetFrame().(type) {
			case *polyplugv1.ServeHTTPResponse_Head:
				kinds = append(kinds, "head")
			case *polyplugv1.ServeHTTPResponse_Body:
				kinds = append(kinds, "body")
			case *polyplugv1.ServeHTTPResponse_Error:
				kinds = append(kinds, "error:"+msg.GetError().GetCode().String())
			}
		}
		if got := strings.Join(kinds, ","); got != "head,body,error:ERROR_CODE_PLUGIN_FAILED" {
			t.Fatalf("frames = %s", got)
		}
	})

	t.Run("ServeHTTP oversized request chunk names the limit", func(t *testing.T) {
		stream, err := host.ServeHTTP(ctx)
		if err != nil {
			t.Fatal(err)
		}
		_ = stream.Send(&polyplugv1.ServeHTTPRequest{Frame: &polyplugv1.ServeHTTPRequest_Head{Head: &polyplugv1.HttpRequestHead{Method: "POST", Path: "/"}}})
		_ = stream.Send(&polyplugv1.ServeHTTPRequest{Frame: &polyplugv1.ServeHTTPRequest_Body{Body: make([]byte, polyplug.MaxBodyChunk+1)}})
		msg, err := stream.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if e := msg.GetError(); e.GetCode() != polyplugv1.ErrorCode_ERROR_CODE_RESOURCE_EXHAUSTED || !strings.Contains(e.GetMessage(), "65536") {
			t.Fatalf("frame = %v", msg)
		}
	})

	// The plugin survived all of the above.
	if _, err := host.Describe(ctx, &polyplugv1.DescribeRequest{}); err != nil {
		t.Fatalf("plugin no longer serving: %v", err)
	}
}
