package polyplug_test

import (
	"context"
	"reflect"
	"sync"
	"testing"

	polyplugv1 "github.com/polyplug/polyplug/examples-go/gen/polyplug/v1"
	polyplug "github.com/polyplug/polyplug/examples-go/sdk"
	"github.com/polyplug/polyplug/examples-go/sdk/sdktest"
)

// validating keeps a configuration only when it accepts it, as the Plugin
// interface documents; "config" reports the one in force.
type validating struct {
	polyplug.BasePlugin
	mu     sync.Mutex
	config map[string]any
}

func (*validating) Describe() polyplug.Description {
	return polyplug.Description{ID: "test.config", Version: "0.0.1", InterceptTopics: []string{"config"}}
}

func (v *validating) Activate(_ *polyplug.HookContext, a polyplug.Activation) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.config = a.Config
	return nil
}

func (v *validating) ConfigurationChanged(_ *polyplug.HookContext, config map[string]any) error {
	if reject, _ := config["reject"].(bool); reject {
		return polyplug.Errorf(polyplugv1.ErrorCode_ERROR_CODE_INVALID_ARGUMENT, "reject is true")
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.config = config
	return nil
}

func (v *validating) Intercept(*polyplug.HookContext, string, map[string]any) (polyplug.Verdict, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return polyplug.Modify(map[string]any{"config": v.config}), nil
}

func TestRejectedConfigurationLeavesThePreviousOne(t *testing.T) {
	host := sdktest.StartInProcess(t, &validating{}, sdktest.Options{})
	host.Activate(t, sdktest.NewMemoryGatewayAPI(), map[string]any{"level": 1.0})
	ctx := context.Background()
	change := func(config map[string]any) *polyplugv1.Error {
		t.Helper()
		resp, err := host.ConfigurationChanged(ctx, &polyplugv1.ConfigurationChangedRequest{
			Context: sdktest.Context("change"), Configuration: mustStruct(t, config)})
		if err != nil {
			t.Fatalf("ConfigurationChanged transport error: %v", err)
		}
		return resp.GetError()
	}
	inForce := func() any {
		t.Helper()
		resp, err := host.Intercept(ctx, &polyplugv1.InterceptRequest{Context: sdktest.Context("read"), Topic: "config", Payload: mustStruct(t, nil)})
		if err != nil || resp.GetError() != nil {
			t.Fatalf("Intercept: %v %v", err, resp.GetError())
		}
		return resp.GetModify().GetPayload().AsMap()["config"]
	}

	if perr := change(map[string]any{"level": 2.0}); perr != nil {
		t.Fatalf("accepted configuration answered %v", perr)
	}
	perr := change(map[string]any{"level": 3.0, "reject": true})
	if perr.GetCode() != polyplugv1.ErrorCode_ERROR_CODE_INVALID_ARGUMENT || perr.GetMessage() != "reject is true" {
		t.Fatalf("rejected configuration answered %v, want INVALID_ARGUMENT \"reject is true\"", perr)
	}
	if got, want := inForce(), map[string]any{"level": 2.0}; !reflect.DeepEqual(got, want) {
		t.Fatalf("configuration in force = %v, want %v", got, want)
	}
}
