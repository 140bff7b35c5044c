package polyplug_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	polyplugv1 "github.com/polyplug/polyplug/examples-go/gen/polyplug/v1"
	"github.com/polyplug/polyplug/examples-go/sdk/sdktest"
)

func TestMembershipThroughGoPluginHost(t *testing.T) {
	forEachMTLS(t, func(t *testing.T, autoMTLS bool) {
		host := sdktest.StartBinary(t, filepath.Join(binDir, "membership"), sdktest.Options{AutoMTLS: autoMTLS})
		api := sdktest.NewMemoryGatewayAPI()
		desc := host.Activate(t, api, map[string]any{})
		ctx := context.Background()

		if len(desc.GetCommands()) != 1 || desc.GetCommands()[0].GetName() != "members" || len(desc.GetHttpRoutes()) != 2 {
			t.Fatalf("Describe = %v", desc)
		}
		// Activate read the empty configuration and saved its defaults.
		if api.Config()["publish_events"] != true {
			t.Fatalf("config after Activate = %v", api.Config())
		}

		notify := func(topic, channel, user string) {
			resp, err := host.Notify(ctx, &polyplugv1.NotifyRequest{
				Context: sdktest.Context("n-" + user), Topic: topic,
				Payload: mustStruct(t, map[string]any{"channel_id": channel, "user_id": user}),
			})
			if err != nil || resp.GetError() != nil {
				t.Errorf("Notify %s %s: %v %v", topic, user, err, resp.GetError())
			}
		}
		// Concurrent joins race on the counter: compare-and-set must keep all.
		var wg sync.WaitGroup
		for _, user := range []string{"u1", "u2", "u3", "u4", "u5"} {
			wg.Add(1)
			go func() { defer wg.Done(); notify("user.joined_channel", "town", user) }()
		}
		wg.Wait()
		notify("user.left_channel", "town", "u5")
		notify("user.joined_channel", "dev", "u1")
		if v, _ := api.Value("count/town"); string(v) != "4" {
			t.Fatalf("count/town = %q, want 4", v)
		}
		if n := len(api.Events()); n != 7 {
			t.Fatalf("published %d events, want 7", n)
		}
		last := api.Events()[6]
		if last.GetEvent() != "changed" || last.GetPayload().AsMap()["count"] != 1.0 ||
			last.GetAudience().GetMatchLabels()["channel_id"] != "dev" {
			t.Fatalf("last event = %v", last)
		}

		command := func(args ...string) *polyplugv1.ExecuteCommandResponse {
			resp, err := host.ExecuteCommand(ctx, &polyplugv1.ExecuteCommandRequest{
				Context: sdktest.Context("cmd"), Command: "members", Args: args, Raw: "/members " + strings.Join(args, " "),
			})
			if err != nil {
				t.Fatalf("ExecuteCommand: %v", err)
			}
			return resp
		}
		cmdCases := []struct {
			name     string
			args     []string
			wantText string
			wantCode polyplugv1.ErrorCode
		}{
			{"one channel", []string{"town"}, "4 members in town", 0},
			{"all channels via KvList", nil, "1 member in dev\n4 members in town", 0},
			{"too many arguments", []string{"a", "b"}, "", polyplugv1.ErrorCode_ERROR_CODE_INVALID_ARGUMENT},
		}
		for _, tc := range cmdCases {
			t.Run(tc.name, func(t *testing.T) {
				resp := command(tc.args...)
				if resp.GetError().GetCode() != tc.wantCode || resp.GetText() != tc.wantText {
					t.Fatalf("members %v = %q (error %v), want %q", tc.args, resp.GetText(), resp.GetError(), tc.wantText)
				}
			})
		}

		// Leaving empties "dev": the key is deleted, not stored as 0.
		notify("user.left_channel", "dev", "u1")
		if _, found := api.Value("count/dev"); found {
			t.Fatal("count/dev still stored after the last member left")
		}

		status, body := serveHTTP(t, host, "GET", "/count", "channel=town", nil)
		var answer map[string]any
		if err := json.Unmarshal(body, &answer); err != nil || status != 200 || answer["count"] != 4.0 {
			t.Fatalf("GET /count = %d %s", status, body)
		}
		big := bytes.Repeat([]byte("0123456789abcdef"), 20_000) // 320 KB: several chunks each way
		status, body = serveHTTP(t, host, "POST", "/echo", "", big)
		if status != 200 || !bytes.Equal(body, big) {
			t.Fatalf("POST /echo = %d, %d bytes back for %d sent", status, len(body), len(big))
		}

		// An operator turns publishing off; the next change publishes nothing.
		cc, err := host.ConfigurationChanged(ctx, &polyplugv1.ConfigurationChangedRequest{
			Context: sdktest.Context("cfg"), Configuration: mustStruct(t, map[string]any{"publish_events": false}),
		})
		if err != nil || cc.GetError() != nil {
			t.Fatalf("ConfigurationChanged: %v %v", err, cc.GetError())
		}
		notify("user.joined_channel", "town", "u9")
		if n := len(api.Events()); n != 8 {
			t.Fatalf("events after disabling publishing = %d, want 8", n)
		}
		if _, err := host.Deactivate(ctx, &polyplugv1.DeactivateRequest{Context: sdktest.Context("bye")}); err != nil {
			t.Fatalf("Deactivate: %v", err)
		}
		calls := api.Calls()
		for _, m := range []string{"KvGet", "KvSet", "KvDelete", "KvList", "Log", "PublishEvent", "GetConfig", "SaveConfig"} {
			if calls[m] == 0 {
				t.Errorf("GatewayAPI.%s was never called through the broker", m)
			}
		}
	})
}

// serveHTTP drives one ServeHTTP stream: head, body in 64 KiB chunks, end; it
// checks the response frame order and chunk sizes and returns status and body.
func serveHTTP(t *testing.T, host *sdktest.Host, method, path, query string, body []byte) (uint32, []byte) {
	t.Helper()
	stream, err := host.ServeHTTP(context.Background())
	if err != nil {
		t.Fatalf("ServeHTTP: %v", err)
	}
	send := func(r *polyplugv1.ServeHTTPRequest) {
		if err := stream.Send(r); err != nil {
			t.Errorf("sending ServeHTTP frame: %v", err) // not Fatal: runs in a goroutine
		}
	}
	// Send concurrently with reading, as the gateway does: the echo answer
	// starts before the request body has ended.
	go func() {
		send(&polyplugv1.ServeHTTPRequest{Frame: &polyplugv1.ServeHTTPRequest_Head{Head: &polyplugv1.HttpRequestHead{
			Context: sdktest.Context("http"), Method: method, Path: path, RawQuery: query,
			Headers: []*polyplugv1.HttpHeader{{Name: "content-type", Value: "application/octet-stream"}},
		}}})
		for off := 0; off < len(body); off += 64 << 10 {
			send(&polyplugv1.ServeHTTPRequest{Frame: &polyplugv1.ServeHTTPRequest_Body{Body: body[off:min(len(body), off+64<<10)]}})
		}
		send(&polyplugv1.ServeHTTPRequest{Frame: &polyplugv1.ServeHTTPRequest_End{End: &polyplugv1.HttpRequestEnd{}}})
		_ = stream.CloseSend()
	}()
	var status uint32
	var out bytes.Buffer
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return status, out.Bytes()
		}
		if err != nil {
			t.Fatalf("ServeHTTP response: %v", err)
		}
		switch f := msg.GetFrame().(type) {
		case *polyplugv1.ServeHTTPResponse_Head:
			if status != 0 {
				t.Fatal("two response heads")
			}
			status = f.Head.GetStatus()
		case *polyplugv1.ServeHTTPResponse_Body:
			if status == 0 || len(f.Body) == 0 || len(f.Body) > 64<<10 {
				t.Fatalf("body chunk of %d bytes (head sent: %v)", len(f.Body), status != 0)
			}
			out.Write(f.Body)
		case *polyplugv1.ServeHTTPResponse_Error:
			t.Fatalf("ServeHTTP error frame: %v", f.Error)
		}
	}
}
