package polyplug_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"google.golang.org/protobuf/types/known/structpb"

	polyplugv1 "github.com/polyplug/polyplug/examples-go/gen/polyplug/v1"
	"github.com/polyplug/polyplug/examples-go/sdk/sdktest"
)

func mustStruct(t *testing.T, m map[string]any) *structpb.Struct {
	t.Helper()
	st, err := structpb.NewStruct(m)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestWordfilterThroughGoPluginHost(t *testing.T) {
	forEachMTLS(t, func(t *testing.T, autoMTLS bool) {
		host := sdktest.StartBinary(t, filepath.Join(binDir, "wordfilter"), sdktest.Options{AutoMTLS: autoMTLS})
		api := sdktest.NewMemoryGatewayAPI()
		desc := host.Activate(t, api, map[string]any{"masked_words": []any{"darn"}, "blocked_words": []any{"spam"}})
		ctx := context.Background()

		if desc.GetPluginId() != "com.polyplug.example.wordfilter" || desc.GetSdk().GetName() != "polyplug-go" {
			t.Fatalf("Describe = %v", desc)
		}
		wantHooks := []polyplugv1.Hook{polyplugv1.Hook_HOOK_ACTIVATE, polyplugv1.Hook_HOOK_DEACTIVATE,
			polyplugv1.Hook_HOOK_CONFIGURATION_CHANGED, polyplugv1.Hook_HOOK_INTERCEPT}
		if !slices.Equal(desc.GetImplementedHooks(), wantHooks) || !slices.Equal(desc.GetInterceptTopics(), []string{"message.will_be_posted"}) {
			t.Fatalf("Describe hooks %v topics %v", desc.GetImplementedHooks(), desc.GetInterceptTopics())
		}

		intercept := func(msg string) *polyplugv1.InterceptResponse {
			t.Helper()
			resp, err := host.Intercept(ctx, &polyplugv1.InterceptRequest{
				Context: sdktest.Context("r1"), Topic: "message.will_be_posted",
				Payload: mustStruct(t, map[string]any{"message": msg, "channel_id": "c1"}),
			})
			if err != nil {
				t.Fatalf("Intercept: %v", err)
			}
			if resp.GetError() != nil {
				t.Fatalf("Intercept error: %v", resp.GetError())
			}
			return resp
		}
		cases := []struct {
			name, message, wantMessage, wantReject string
		}{
			{"clean message proceeds", "hello there", "", ""},
			{"masked word is replaced", "well Darn it", "well **** it", ""},
			{"blocked word rejects", "buy spam now", "", "blocked_word"},
			{"substring is not a word", "spammer darning", "", ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				resp := intercept(tc.message)
				switch {
				case tc.wantReject != "":
					if resp.GetReject().GetCode() != tc.wantReject || resp.GetReject().GetReason() == "" {
						t.Fatalf("want reject %q, got %v", tc.wantReject, resp)
					}
				case tc.wantMessage != "":
					got := resp.GetModify().GetPayload().AsMap()
					if got["message"] != tc.wantMessage || got["channel_id"] != "c1" {
						t.Fatalf("modified payload = %v", got)
					}
				default:
					if resp.GetProceed() == nil {
						t.Fatalf("want proceed, got %v", resp)
					}
				}
			})
		}

		// New configuration: "spam" is no longer blocked, "hello" is masked.
		cc, err := host.ConfigurationChanged(ctx, &polyplugv1.ConfigurationChangedRequest{
			Context: sdktest.Context("r2"), Configuration: mustStruct(t, map[string]any{"masked_words": []any{"hello"}}),
		})
		if err != nil || cc.GetError() != nil {
			t.Fatalf("ConfigurationChanged: %v %v", err, cc.GetError())
		}
		if resp := intercept("buy spam now"); resp.GetProceed() == nil {
			t.Fatalf("after reconfiguration want proceed, got %v", resp)
		}
		if got := intercept("hello you").GetModify().GetPayload().AsMap()["message"]; got != "***** you" {
			t.Fatalf("after reconfiguration masked = %v", got)
		}

		de, err := host.Deactivate(ctx, &polyplugv1.DeactivateRequest{Context: sdktest.Context("r3")})
		if err != nil || de.GetError() != nil {
			t.Fatalf("Deactivate: %v %v", err, de.GetError())
		}
		var messages []string
		for _, l := range api.Logs() {
			messages = append(messages, l.GetMessage())
		}
		want := []string{"wordfilter activated", "wordfilter configuration changed", "wordfilter deactivated"}
		if !slices.Equal(messages, want) {
			t.Fatalf("GatewayAPI logs = %q, want %q", messages, want)
		}
		if api.Logs()[1].GetRequestId() != "r2" {
			t.Fatalf("log request_id = %q, want r2", api.Logs()[1].GetRequestId())
		}
	})
}
