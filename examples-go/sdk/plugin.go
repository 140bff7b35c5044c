package polyplug

import (
	polyplugv1 "github.com/polyplug/polyplug/examples-go/gen/polyplug/v1"
)

// Plugin is what a plugin author implements: one method per hook of the
// polyplug.v1.Plugin service. Embed BasePlugin and override only the hooks
// declared in Describe; the gateway never calls an undeclared hook.
//
// Every handler gets a *HookContext whose context is cancelled when the gateway
// stops waiting. A returned error is sent back as the response's Error
// (ERROR_CODE_PLUGIN_FAILED unless it is an *Error); a panic is recovered and
// reported the same way, and the plugin keeps serving. Handlers may run
// concurrently, except the lifecycle hooks (Activate, ConfigurationChanged,
// Deactivate), which never overlap each other.
type Plugin interface {
	// Describe declares the plugin; it must not depend on configuration or the
	// GatewayAPI (it is called before Activate).
	Describe() Description
	// Activate starts the plugin with its configuration. hc.API is ready.
	Activate(hc *HookContext, a Activation) error
	// Deactivate stops the plugin; hc.API stays usable until it returns.
	Deactivate(hc *HookContext) error
	// ConfigurationChanged delivers a complete new configuration. Return an
	// error (e.g. Errorf(ERROR_CODE_INVALID_ARGUMENT, ...)) to reject it; the
	// SDK keeps no configuration of its own, so store config only once it is
	// accepted and a rejected one leaves the previous one in force.
	ConfigurationChanged(hc *HookContext, config map[string]any) error
	// Intercept decides on an event before it happens (topics from
	// Description.InterceptTopics).
	Intercept(hc *HookContext, topic string, payload map[string]any) (Verdict, error)
	// Notify is told about an event after it happened (Description.NotifyTopics).
	Notify(hc *HookContext, topic string, payload map[string]any) error
	// ServeHTTP answers a request on one of Description.Routes, streaming both
	// bodies. See Request and ResponseWriter.
	ServeHTTP(hc *HookContext, w ResponseWriter, r *Request) error
	// ExecuteCommand runs one of Description.Commands.
	ExecuteCommand(hc *HookContext, cmd Command) (CommandResult, error)
}

// ClusterMessage is a message from a copy of this plugin on another gateway of
// the cluster (sent with GatewayAPI.PublishClusterMessage).
type ClusterMessage struct {
	Topic      string
	Payload    map[string]any
	FromNodeID string
}

// ClusterMessageHandler is implemented by plugins that receive their copies'
// cluster messages; the SDK then declares HOOK_CLUSTER_MESSAGE. Errors are
// logged by the gateway only.
type ClusterMessageHandler interface {
	OnClusterMessage(hc *HookContext, msg ClusterMessage) error
}

// Description is what a plugin declares about itself; Describe's answer to the
// gateway is computed from it. Which hooks are implemented follows from the
// declarations: topics imply Intercept/Notify, Commands imply ExecuteCommand,
// Routes imply ServeHTTP. Activate and Deactivate are always implemented (the
// SDK needs Activate to connect the GatewayAPI).
type Description struct {
	// ID must equal the manifest id ([a-zA-Z0-9_.-]{3,190}).
	ID string
	// Version is the plugin's semantic version.
	Version string
	// InterceptTopics are topic patterns ("a.b", "a.*", "*") for Intercept.
	InterceptTopics []string
	// NotifyTopics are topic patterns for Notify.
	NotifyTopics []string
	// Commands are the commands served by ExecuteCommand.
	Commands []CommandSpec
	// Routes are the HTTP routes served by ServeHTTP, under /plugins/{id}.
	Routes []Route
	// RestartOnConfigChange leaves ConfigurationChanged undeclared: the gateway
	// then restarts the plugin with the new configuration instead of calling it.
	RestartOnConfigChange bool
}

// CommandSpec declares one command.
type CommandSpec struct {
	Name        string // without slash, [a-z0-9_-]{1,64}
	Description string // one line
	Usage       string // argument hint, e.g. "<channel>"
}

// Route declares an HTTP route: Method is upper case or "*", PathPrefix starts
// with "/" and matches at "/" boundaries.
type Route struct {
	Method     string
	PathPrefix string
}

// Activation is what Activate receives.
type Activation struct {
	// Config is the plugin's configuration (never nil).
	Config map[string]any
	// GatewayVersion and GatewayInstanceID describe the gateway process.
	GatewayVersion    string
	GatewayInstanceID string
}

// Command is one ExecuteCommand call.
type Command struct {
	Name string   // as declared, no slash
	Args []string // split by the gateway, quotes removed
	Raw  string   // the whole line as typed
}

// CommandResult is a command's answer: Text for the user (at most 64 KiB) and
// optional structured Data (at most 8 MiB serialized).
type CommandResult struct {
	Text string
	Data map[string]any
}

// Verdict is an Intercept decision; build one with Proceed, Modify or Reject.
// The zero Verdict proceeds unchanged.
type Verdict struct {
	kind    verdictKind
	payload map[string]any
	reason  string
	code    string
}

type verdictKind int

const (
	verdictProceed verdictKind = iota
	verdictModify
	verdictReject
)

// Proceed lets the event continue unchanged.
func Proceed() Verdict { return Verdict{} }

// Modify lets the event continue with payload replacing it entirely.
func Modify(payload map[string]any) Verdict { return Verdict{kind: verdictModify, payload: payload} }

// Reject stops the event with a human reason and a machine code
// ([a-z0-9_.-]{0,64}, may be empty).
func Reject(reason, code string) Verdict {
	return Verdict{kind: verdictReject, reason: reason, code: code}
}

// BasePlugin implements every hook as "nothing to do". Embed it and override
// the hooks you declare. Its Describe returns an empty Description, so a plugin
// must always override Describe.
type BasePlugin struct{}

func (BasePlugin) Describe() Description                                   { return Description{} }
func (BasePlugin) Activate(*HookContext, Activation) error                 { return nil }
func (BasePlugin) Deactivate(*HookContext) error                           { return nil }
func (BasePlugin) ConfigurationChanged(*HookContext, map[string]any) error { return nil }
func (BasePlugin) Intercept(*HookContext, string, map[string]any) (Verdict, error) {
	return Proceed(), nil
}
func (BasePlugin) Notify(*HookContext, string, map[string]any) error { return nil }
func (BasePlugin) ServeHTTP(_ *HookContext, w ResponseWriter, _ *Request) error {
	w.WriteHeader(404)
	return nil
}
func (BasePlugin) ExecuteCommand(_ *HookContext, cmd Command) (CommandResult, error) {
	return CommandResult{}, Errorf(polyplugv1.ErrorCode_ERROR_CODE_NOT_FOUND, "command %q is not implemented", cmd.Name)
}

// describeResponse computes the wire DescribeResponse from a Description.
func describeResponse(d Description) *polyplugv1.DescribeResponse {
	resp := &polyplugv1.DescribeResponse{
		PluginId:         d.ID,
		Version:          d.Version,
		Sdk:              &polyplugv1.SdkInfo{Name: SDKName, Version: SDKVersion},
		ImplementedHooks: []polyplugv1.Hook{polyplugv1.Hook_HOOK_ACTIVATE, polyplugv1.Hook_HOOK_DEACTIVATE},
		InterceptTopics:  d.InterceptTopics,
		NotifyTopics:     d.NotifyTopics,
	}
	if !d.RestartOnConfigChange {
		resp.ImplementedHooks = append(resp.ImplementedHooks, polyplugv1.Hook_HOOK_CONFIGURATION_CHANGED)
	}
	if len(d.InterceptTopics) > 0 {
		resp.ImplementedHooks = append(resp.ImplementedHooks, polyplugv1.Hook_HOOK_INTERCEPT)
	}
	if len(d.NotifyTopics) > 0 {
		resp.ImplementedHooks = append(resp.ImplementedHooks, polyplugv1.Hook_HOOK_NOTIFY)
	}
	if len(d.Routes) > 0 {
		resp.ImplementedHooks = append(resp.ImplementedHooks, polyplugv1.Hook_HOOK_SERVE_HTTP)
		for _, r := range d.Routes {
			resp.HttpRoutes = append(resp.HttpRoutes, &polyplugv1.HttpRoute{Method: r.Method, PathPrefix: r.PathPrefix})
		}
	}
	if len(d.Commands) > 0 {
		resp.ImplementedHooks = append(resp.ImplementedHooks, polyplugv1.Hook_HOOK_EXECUTE_COMMAND)
		for _, c := range d.Commands {
			resp.Commands = append(resp.Commands, &polyplugv1.CommandSpec{Name: c.Name, Description: c.Description, Usage: c.Usage})
		}
	}
	return resp
}
