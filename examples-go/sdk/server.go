package polyplug

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync/atomic"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/structpb"

	polyplugv1 "github.com/polyplug/polyplug/examples-go/gen/polyplug/v1"
)

// server adapts a Plugin to the generated polyplug.v1.Plugin service: it
// converts messages, enforces limits, recovers panics and owns the GatewayAPI
// connection.
type server struct {
	polyplugv1.UnimplementedPluginServer
	impl   Plugin
	broker *plugin.GRPCBroker
	logger hclog.Logger
	api    atomic.Pointer[GatewayAPI]
}

// run calls fn with a fresh HookContext and turns its error or panic into a
// wire Error, so a failing handler never fails the gRPC call or the process.
func (s *server) run(ctx context.Context, pc *polyplugv1.HookContext, hook string, fn func(hc *HookContext) error) (perr *polyplugv1.Error) {
	hc := newHookContext(ctx, pc, s.api.Load(), s.logger)
	defer func() {
		if r := recover(); r != nil {
			s.logger.Error("handler panicked", "hook", hook, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			perr = &polyplugv1.Error{
				Code:    polyplugv1.ErrorCode_ERROR_CODE_PLUGIN_FAILED,
				Message: fmt.Sprintf("%s handler panicked: %v", hook, r),
			}
		}
	}()
	err := fn(hc)
	if err != nil {
		s.logger.Debug("handler failed", "hook", hook, "error", err.Error())
	}
	return toProtoError(err)
}

// incoming converts a received Struct, failing with an error naming the limit
// when it is over MaxPayloadBytes.
func incoming(what string, st *structpb.Struct) (map[string]any, error) {
	if st != nil {
		if err := checkStructSize(what, st, MaxPayloadBytes); err != nil {
			return nil, err
		}
	}
	return fromStruct(st), nil
}

func (s *server) Describe(context.Context, *polyplugv1.DescribeRequest) (*polyplugv1.DescribeResponse, error) {
	resp := describeResponse(s.impl.Describe())
	if _, ok := s.impl.(ClusterMessageHandler); ok {
		resp.ImplementedHooks = append(resp.ImplementedHooks, polyplugv1.Hook_HOOK_CLUSTER_MESSAGE)
	}
	return resp, nil
}

func (s *server) Activate(ctx context.Context, req *polyplugv1.ActivateRequest) (*polyplugv1.ActivateResponse, error) {
	config, err := incoming("configuration", req.GetConfiguration())
	if err != nil {
		return &polyplugv1.ActivateResponse{Error: toProtoError(err)}, nil
	}
	if id := req.GetGatewayApiBrokerId(); id != 0 {
		conn, err := s.broker.DialWithOptions(id, grpc.WithDefaultCallOptions(
			grpc.MaxCallRecvMsgSize(MaxMessageBytes), grpc.MaxCallSendMsgSize(MaxMessageBytes)))
		if err != nil {
			return &polyplugv1.ActivateResponse{Error: toProtoError(Errorf(polyplugv1.ErrorCode_ERROR_CODE_UNAVAILABLE,
				"dialing the GatewayAPI on broker id %d: %v", id, err))}, nil
		}
		if old := s.api.Swap(NewGatewayAPI(conn)); old != nil {
			_ = old.Close()
		}
	}
	perr := s.run(ctx, req.GetContext(), "Activate", func(hc *HookContext) error {
		return s.impl.Activate(hc, Activation{
			Config:            config,
			GatewayVersion:    req.GetGateway().GetVersion(),
			GatewayInstanceID: req.GetGateway().GetInstanceId(),
		})
	})
	return &polyplugv1.ActivateResponse{Error: perr}, nil
}

func (s *server) Deactivate(ctx context.Context, req *polyplugv1.DeactivateRequest) (*polyplugv1.DeactivateResponse, error) {
	perr := s.run(ctx, req.GetContext(), "Deactivate", func(hc *HookContext) error { return s.impl.Deactivate(hc) })
	// The GatewayAPI stays usable until Deactivate returns, and no longer.
	if api := s.api.Swap(nil); api != nil {
		_ = api.Close()
	}
	return &polyplugv1.DeactivateResponse{Error: perr}, nil
}

func (s *server) ConfigurationChanged(ctx context.Context, req *polyplugv1.ConfigurationChangedRequest) (*polyplugv1.ConfigurationChangedResponse, error) {
	config, err := incoming("configuration", req.GetConfiguration())
	if err != nil {
		return &polyplugv1.ConfigurationChangedResponse{Error: toProtoError(err)}, nil
	}
	perr := s.run(ctx, req.GetContext(), "ConfigurationChanged", func(hc *HookContext) error {
		return s.impl.ConfigurationChanged(hc, config)
	})
	return &polyplugv1.ConfigurationChangedResponse{Error: perr}, nil
}

func (s *server) Intercept(ctx context.Context, req *polyplugv1.InterceptRequest) (*polyplugv1.InterceptResponse, error) {
	payload, err := incoming("intercept payload", req.GetPayload())
	if err != nil {
		return &polyplugv1.InterceptResponse{Error: toProtoError(err)}, nil
	}
	resp := &polyplugv1.InterceptResponse{}
	resp.Error = s.run(ctx, req.GetContext(), "Intercept", func(hc *HookContext) error {
		v, err := s.impl.Intercept(hc, req.GetTopic(), payload)
		if err != nil {
			return err
		}
		switch v.kind {
		case verdictModify:
			st, err := toStruct("modified intercept payload", v.payload, MaxPayloadBytes)
			if err != nil {
				return err
			}
			resp.Outcome = &polyplugv1.InterceptResponse_Modify{Modify: &polyplugv1.InterceptModify{Payload: st}}
		case verdictReject:
			resp.Outcome = &polyplugv1.InterceptResponse_Reject{Reject: &polyplugv1.InterceptReject{Reason: v.reason, Code: v.code}}
		default:
			resp.Outcome = &polyplugv1.InterceptResponse_Proceed{Proceed: &polyplugv1.InterceptProceed{}}
		}
		return nil
	})
	if resp.Error != nil {
		resp.Outcome = nil
	}
	return resp, nil
}

func (s *server) Notify(ctx context.Context, req *polyplugv1.NotifyRequest) (*polyplugv1.NotifyResponse, error) {
	payload, err := incoming("notify payload", req.GetPayload())
	if err != nil {
		return &polyplugv1.NotifyResponse{Error: toProtoError(err)}, nil
	}
	perr := s.run(ctx, req.GetContext(), "Notify", func(hc *HookContext) error {
		return s.impl.Notify(hc, req.GetTopic(), payload)
	})
	return &polyplugv1.NotifyResponse{Error: perr}, nil
}

// OnClusterMessage hands a copy-to-copy message to the plugin when it implements
// ClusterMessageHandler (the gateway only calls it then).
func (s *server) OnClusterMessage(ctx context.Context, req *polyplugv1.OnClusterMessageRequest) (*polyplugv1.OnClusterMessageResponse, error) {
	handler, ok := s.impl.(ClusterMessageHandler)
	if !ok {
		return &polyplugv1.OnClusterMessageResponse{Error: toProtoError(Errorf(polyplugv1.ErrorCode_ERROR_CODE_NOT_FOUND, "this plugin does not handle cluster messages"))}, nil
	}
	payload, err := incoming("cluster message payload", req.GetPayload())
	if err != nil {
		return &polyplugv1.OnClusterMessageResponse{Error: toProtoError(err)}, nil
	}
	perr := s.run(ctx, req.GetContext(), "OnClusterMessage", func(hc *HookContext) error {
		return handler.OnClusterMessage(hc, ClusterMessage{Topic: req.GetTopic(), Payload: payload, FromNodeID: req.GetFromNodeId()})
	})
	return &polyplugv1.OnClusterMessageResponse{Error: perr}, nil
}

func (s *server) ExecuteCommand(ctx context.Context, req *polyplugv1.ExecuteCommandRequest) (*polyplugv1.ExecuteCommandResponse, error) {
	resp := &polyplugv1.ExecuteCommandResponse{}
	resp.Error = s.run(ctx, req.GetContext(), "ExecuteCommand", func(hc *HookContext) error {
		res, err := s.impl.ExecuteCommand(hc, Command{Name: req.GetCommand(), Args: req.GetArgs(), Raw: req.GetRaw()})
		if err != nil {
			return err
		}
		if len(res.Text) > MaxCommandText {
			return Errorf(polyplugv1.ErrorCode_ERROR_CODE_RESOURCE_EXHAUSTED,
				"command text is %d bytes, over the limit of %d bytes", len(res.Text), MaxCommandText)
		}
		resp.Text = res.Text
		if res.Data != nil {
			st, err := toStruct("command data", res.Data, MaxPayloadBytes)
			if err != nil {
				return err
			}
			resp.Data = st
		}
		return nil
	})
	if resp.Error != nil {
		resp.Text, resp.Data = "", nil
	}
	return resp, nil
}
