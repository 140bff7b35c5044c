package polyplug

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"

	polyplugv1 "github.com/polyplug/polyplug/examples-go/gen/polyplug/v1"
)

// DefaultAPITimeout bounds a GatewayAPI call whose context has no deadline.
const DefaultAPITimeout = 10 * time.Second

// LogLevel is a GatewayAPI log severity.
type LogLevel = polyplugv1.LogLevel

// Log levels, in increasing severity.
const (
	LevelTrace = polyplugv1.LogLevel_LOG_LEVEL_TRACE
	LevelDebug = polyplugv1.LogLevel_LOG_LEVEL_DEBUG
	LevelInfo  = polyplugv1.LogLevel_LOG_LEVEL_INFO
	LevelWarn  = polyplugv1.LogLevel_LOG_LEVEL_WARN
	LevelError = polyplugv1.LogLevel_LOG_LEVEL_ERROR
)

// GatewayAPI is the typed client of polyplug.v1.GatewayAPI, which the gateway
// serves to this plugin through the go-plugin broker. All methods are safe for
// concurrent use; failures are *Error values carrying the contract's code.
// Every namespace (KV, config, events) is this plugin's own.
type GatewayAPI struct {
	raw  polyplugv1.GatewayAPIClient
	conn *grpc.ClientConn
}

// NewGatewayAPI wraps an established connection (the SDK dials the broker on
// Activate; tests may pass any connection serving GatewayAPI).
func NewGatewayAPI(conn *grpc.ClientConn) *GatewayAPI {
	return &GatewayAPI{raw: polyplugv1.NewGatewayAPIClient(conn), conn: conn}
}

// Raw returns the generated client, for fields this wrapper does not expose.
func (g *GatewayAPI) Raw() polyplugv1.GatewayAPIClient { return g.raw }

// Close closes the underlying broker connection.
func (g *GatewayAPI) Close() error { return g.conn.Close() }

func withDefaultTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, DefaultAPITimeout)
}

// KvGet reads key; found is false when it is absent or expired.
func (g *GatewayAPI) KvGet(ctx context.Context, key string) (value []byte, found bool, err error) {
	if err := checkKey(key); err != nil {
		return nil, false, err
	}
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	resp, err := g.raw.KvGet(ctx, &polyplugv1.KvGetRequest{Key: key})
	if err != nil {
		return nil, false, fromStatus("KvGet", err)
	}
	return resp.GetValue(), resp.GetFound(), nil
}

// KvSetOption adds a condition or an expiry to KvSet.
type KvSetOption func(*polyplugv1.KvSetRequest)

// IfEquals makes KvSet write only if the key currently holds exactly old
// (compare-and-set; an absent key never matches).
func IfEquals(old []byte) KvSetOption {
	return func(r *polyplugv1.KvSetRequest) {
		r.Condition = &polyplugv1.KvSetRequest_IfEquals{IfEquals: append([]byte{}, old...)}
	}
}

// IfAbsent makes KvSet write only if the key does not exist.
func IfAbsent() KvSetOption {
	return func(r *polyplugv1.KvSetRequest) { r.Condition = &polyplugv1.KvSetRequest_IfAbsent{IfAbsent: true} }
}

// WithTTL makes the written value expire after ttl (rounded up to ms).
func WithTTL(ttl time.Duration) KvSetOption {
	return func(r *polyplugv1.KvSetRequest) { r.Ttl = durationpb.New(ttl) }
}

// KvSetResult reports a KvSet: Applied is false when the condition did not
// hold, and then Current/CurrentFound describe what was stored.
type KvSetResult struct {
	Applied      bool
	Current      []byte
	CurrentFound bool
}

// KvSet writes value at key, subject to opts. An acknowledged write is durable.
func (g *GatewayAPI) KvSet(ctx context.Context, key string, value []byte, opts ...KvSetOption) (KvSetResult, error) {
	if err := checkKey(key); err != nil {
		return KvSetResult{}, err
	}
	if err := checkValue("value", value); err != nil {
		return KvSetResult{}, err
	}
	req := &polyplugv1.KvSetRequest{Key: key, Value: value}
	for _, o := range opts {
		o(req)
	}
	if req.GetTtl() != nil && req.GetTtl().AsDuration() < 0 {
		return KvSetResult{}, invalidArgument("ttl", "KV ttl is negative")
	}
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	resp, err := g.raw.KvSet(ctx, req)
	if err != nil {
		return KvSetResult{}, fromStatus("KvSet", err)
	}
	return KvSetResult{Applied: resp.GetApplied(), Current: resp.GetCurrentValue(), CurrentFound: resp.GetCurrentFound()}, nil
}

// KvDelete removes key; with ifEquals non-nil only when it holds exactly those
// bytes. deleted is false when nothing was removed.
func (g *GatewayAPI) KvDelete(ctx context.Context, key string, ifEquals []byte) (deleted bool, err error) {
	if err := checkKey(key); err != nil {
		return false, err
	}
	req := &polyplugv1.KvDeleteRequest{Key: key}
	if ifEquals != nil {
		req.IfEquals = ifEquals
	}
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	resp, err := g.raw.KvDelete(ctx, req)
	if err != nil {
		return false, fromStatus("KvDelete", err)
	}
	return resp.GetDeleted(), nil
}

// KvList returns one page of keys starting with prefix (pageSize 0 means
// 100, at most 1000) and the token of the next page ("" on the last page).
func (g *GatewayAPI) KvList(ctx context.Context, prefix string, pageSize int, pageToken string) (keys []string, next string, err error) {
	if pageSize < 0 || pageSize > MaxKvListPage {
		return nil, "", invalidArgument("page_size", fmt.Sprintf("KV list page_size %d is outside 0..%d", pageSize, MaxKvListPage))
	}
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	resp, err := g.raw.KvList(ctx, &polyplugv1.KvListRequest{Prefix: prefix, PageSize: uint32(pageSize), PageToken: pageToken})
	if err != nil {
		return nil, "", fromStatus("KvList", err)
	}
	return resp.GetKeys(), resp.GetNextPageToken(), nil
}

// KvListAll pages through every key starting with prefix.
func (g *GatewayAPI) KvListAll(ctx context.Context, prefix string) ([]string, error) {
	var all []string
	token := ""
	for {
		keys, next, err := g.KvList(ctx, prefix, MaxKvListPage, token)
		if err != nil {
			return nil, err
		}
		all = append(all, keys...)
		if next == "" {
			return all, nil
		}
		token = next
	}
}

// Log writes one structured record into the gateway's log. requestID is the
// HookContext.RequestID it belongs to ("" for none); HookContext.Log fills it.
func (g *GatewayAPI) Log(ctx context.Context, level LogLevel, msg string, fields map[string]any, requestID string) error {
	if len(msg) > MaxLogBytes {
		return &Error{Code: polyplugv1.ErrorCode_ERROR_CODE_RESOURCE_EXHAUSTED,
			Message: fmt.Sprintf("log message is %d bytes, over the limit of %d bytes", len(msg), MaxLogBytes),
			Details: map[string]string{"limit": fmt.Sprintf("%d bytes", MaxLogBytes)}}
	}
	st, err := toStruct("log fields", fields, MaxLogBytes)
	if err != nil {
		return err
	}
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	_, err = g.raw.Log(ctx, &polyplugv1.LogRequest{Level: level, Message: msg, Fields: st, RequestId: requestID})
	if err != nil {
		return fromStatus("Log", err)
	}
	return nil
}

// Audience selects WebSocket clients for PublishEvent; nil means everyone.
type Audience = polyplugv1.Audience

// PublishEvent sends event (clients see "<plugin_id>.<event>") with payload to
// audience (nil: every client). Best effort, at most once.
func (g *GatewayAPI) PublishEvent(ctx context.Context, event string, payload map[string]any, audience *Audience) error {
	if !eventNamePattern.MatchString(event) {
		return invalidArgument("event", fmt.Sprintf("event name %q must match [a-z0-9_.-]{1,128}", event))
	}
	st, err := toStruct("event payload", payload, MaxPayloadBytes)
	if err != nil {
		return err
	}
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	if _, err := g.raw.PublishEvent(ctx, &polyplugv1.PublishEventRequest{Event: event, Payload: st, Audience: audience}); err != nil {
		return fromStatus("PublishEvent", err)
	}
	return nil
}

// PublishClusterMessage sends payload under topic to this plugin's copies on
// the other gateways of the cluster (their OnClusterMessage); a gateway alone
// is a cluster of one (nil error, nobody receives it). Needs "cluster" in the
// manifest's permissions.api (PERMISSION_DENIED otherwise). Best effort, at
// most once.
func (g *GatewayAPI) PublishClusterMessage(ctx context.Context, topic string, payload map[string]any) error {
	if !eventNamePattern.MatchString(topic) {
		return invalidArgument("topic", fmt.Sprintf("topic %q must match [a-z0-9_.-]{1,128}", topic))
	}
	st, err := toStruct("cluster message payload", payload, MaxClusterBytes)
	if err != nil {
		return err
	}
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	if _, err := g.raw.PublishClusterMessage(ctx, &polyplugv1.PublishClusterMessageRequest{Topic: topic, Payload: st}); err != nil {
		return fromStatus("PublishClusterMessage", err)
	}
	return nil
}

// GetConfig reads the plugin's stored configuration (empty map when none).
func (g *GatewayAPI) GetConfig(ctx context.Context) (map[string]any, error) {
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	resp, err := g.raw.GetConfig(ctx, &polyplugv1.GetConfigRequest{})
	if err != nil {
		return nil, fromStatus("GetConfig", err)
	}
	return fromStruct(resp.GetConfiguration()), nil
}

// SaveConfig replaces the plugin's configuration; every instance (this one
// included) then receives ConfigurationChanged with OriginPluginID set.
func (g *GatewayAPI) SaveConfig(ctx context.Context, config map[string]any) error {
	st, err := toStruct("configuration", config, MaxPayloadBytes)
	if err != nil {
		return err
	}
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	if _, err := g.raw.SaveConfig(ctx, &polyplugv1.SaveConfigRequest{Configuration: st}); err != nil {
		return fromStatus("SaveConfig", err)
	}
	return nil
}

// toStruct converts a JSON-like map to a Struct within limit bytes.
func toStruct(what string, m map[string]any, limit int) (*structpb.Struct, error) {
	if m == nil {
		return &structpb.Struct{Fields: map[string]*structpb.Value{}}, nil
	}
	st, err := structpb.NewStruct(m)
	if err != nil {
		return nil, invalidArgument(what, fmt.Sprintf("%s is not JSON-like: %v", what, err))
	}
	if err := checkStructSize(what, st, limit); err != nil {
		return nil, err
	}
	return st, nil
}

// fromStruct converts a Struct (possibly nil) to a non-nil map.
func fromStruct(st *structpb.Struct) map[string]any {
	if st == nil {
		return map[string]any{}
	}
	return st.AsMap()
}
