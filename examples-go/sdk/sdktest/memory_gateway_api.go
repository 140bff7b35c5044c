package sdktest

import (
	"bytes"
	"context"
	"encoding/base64"
	"sort"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	polyplugv1 "github.com/polyplug/polyplug/examples-go/gen/polyplug/v1"
)

// MemoryGatewayAPI is an in-memory polyplug.v1.GatewayAPI for tests: KV with
// compare-and-set, expiry and paging, and recorded logs, events and saved
// configurations. Serve it with Host.ServeGatewayAPI; inspect it with the
// accessor methods. Safe for concurrent use. It does not call
// ConfigurationChanged back on SaveConfig (the test drives the plugin).
type MemoryGatewayAPI struct {
	polyplugv1.UnimplementedGatewayAPIServer
	mu     sync.Mutex
	kv     map[string]kvEntry
	logs   []*polyplugv1.LogRequest
	events []*polyplugv1.PublishEventRequest
	config *structpb.Struct
	calls  map[string]int
	now    func() time.Time
}

type kvEntry struct {
	value   []byte
	expires time.Time // zero: never
}

// NewMemoryGatewayAPI returns an empty store with an empty configuration.
func NewMemoryGatewayAPI() *MemoryGatewayAPI {
	return &MemoryGatewayAPI{kv: map[string]kvEntry{}, config: &structpb.Struct{}, calls: map[string]int{}, now: time.Now}
}

// Calls returns how many times each RPC was called, by method name.
func (m *MemoryGatewayAPI) Calls() map[string]int {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]int, len(m.calls))
	for k, v := range m.calls {
		out[k] = v
	}
	return out
}

// Logs returns the recorded Log requests in arrival order.
func (m *MemoryGatewayAPI) Logs() []*polyplugv1.LogRequest {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*polyplugv1.LogRequest(nil), m.logs...)
}

// Events returns the recorded PublishEvent requests in arrival order.
func (m *MemoryGatewayAPI) Events() []*polyplugv1.PublishEventRequest {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*polyplugv1.PublishEventRequest(nil), m.events...)
}

// Config returns the stored configuration as a map.
func (m *MemoryGatewayAPI) Config() map[string]any {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.config.AsMap()
}

// SetConfig replaces the stored configuration (as an operator would).
func (m *MemoryGatewayAPI) SetConfig(config map[string]any) error {
	st, err := structpb.NewStruct(config)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.config = st
	return nil
}

// Value returns the live value stored at key.
func (m *MemoryGatewayAPI) Value(key string) ([]byte, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.live(key)
	return e.value, ok
}

// live returns key's entry unless absent or expired; m.mu must be held.
func (m *MemoryGatewayAPI) live(key string) (kvEntry, bool) {
	e, ok := m.kv[key]
	if ok && !e.expires.IsZero() && !m.now().Before(e.expires) {
		delete(m.kv, key)
		return kvEntry{}, false
	}
	return e, ok
}

func (m *MemoryGatewayAPI) enter(method string) {
	m.mu.Lock()
	m.calls[method]++
}

func checkKey(key string) error {
	if key == "" || len(key) > 512 || strings.ContainsRune(key, 0) {
		return status.Errorf(codes.InvalidArgument, "key must be 1..512 bytes without NUL, got %d bytes", len(key))
	}
	return nil
}

func (m *MemoryGatewayAPI) KvGet(_ context.Context, req *polyplugv1.KvGetRequest) (*polyplugv1.KvGetResponse, error) {
	m.enter("KvGet")
	defer m.mu.Unlock()
	if err := checkKey(req.GetKey()); err != nil {
		return nil, err
	}
	e, ok := m.live(req.GetKey())
	resp := &polyplugv1.KvGetResponse{Found: ok, Value: e.value}
	if ok && !e.expires.IsZero() {
		resp.ExpiresAt = timestamppb.New(e.expires)
	}
	return resp, nil
}

func (m *MemoryGatewayAPI) KvSet(_ context.Context, req *polyplugv1.KvSetRequest) (*polyplugv1.KvSetResponse, error) {
	m.enter("KvSet")
	defer m.mu.Unlock()
	if err := checkKey(req.GetKey()); err != nil {
		return nil, err
	}
	if len(req.GetValue()) > 1<<20 {
		return nil, status.Errorf(codes.ResourceExhausted, "value is %d bytes, over the limit of 1048576 bytes", len(req.GetValue()))
	}
	if req.GetTtl() != nil && req.GetTtl().AsDuration() < 0 {
		return nil, status.Error(codes.InvalidArgument, "ttl is negative")
	}
	cur, found := m.live(req.GetKey())
	holds := true
	switch c := req.GetCondition().(type) {
	case *polyplugv1.KvSetRequest_IfEquals:
		holds = found && bytes.Equal(cur.value, c.IfEquals)
	case *polyplugv1.KvSetRequest_IfAbsent:
		holds = !c.IfAbsent || !found
	}
	if !holds {
		return &polyplugv1.KvSetResponse{CurrentValue: cur.value, CurrentFound: found}, nil
	}
	e := kvEntry{value: append([]byte{}, req.GetValue()...)}
	if ttl := req.GetTtl().AsDuration(); req.GetTtl() != nil && ttl > 0 {
		e.expires = m.now().Add(ttl)
	}
	m.kv[req.GetKey()] = e
	return &polyplugv1.KvSetResponse{Applied: true}, nil
}

func (m *MemoryGatewayAPI) KvDelete(_ context.Context, req *polyplugv1.KvDeleteRequest) (*polyplugv1.KvDeleteResponse, error) {
	m.enter("KvDelete")
	defer m.mu.Unlock()
	if err := checkKey(req.GetKey()); err != nil {
		return nil, err
	}
	cur, found := m.live(req.GetKey())
	if !found || (req.IfEquals != nil && !bytes.Equal(cur.value, req.IfEquals)) {
		return &polyplugv1.KvDeleteResponse{}, nil
	}
	delete(m.kv, req.GetKey())
	return &polyplugv1.KvDeleteResponse{Deleted: true}, nil
}

// KvList pages in key order; the token encodes the prefix and the last key.
func (m *MemoryGatewayAPI) KvList(_ context.Context, req *polyplugv1.KvListRequest) (*polyplugv1.KvListResponse, error) {
	m.enter("KvList")
	defer m.mu.Unlock()
	size := int(req.GetPageSize())
	if size == 0 {
		size = 100
	}
	if size > 1000 {
		return nil, status.Errorf(codes.InvalidArgument, "page_size %d is over 1000", size)
	}
	after := ""
	if tok := req.GetPageToken(); tok != "" {
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		prefix, last, ok := strings.Cut(string(raw), "\x00")
		if err != nil || !ok || prefix != req.GetPrefix() {
			return nil, status.Error(codes.InvalidArgument, "page_token was not produced by a listing of this prefix")
		}
		after = last
	}
	var keys []string
	for k := range m.kv {
		if _, ok := m.live(k); ok && strings.HasPrefix(k, req.GetPrefix()) && (after == "" || k > after) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	resp := &polyplugv1.KvListResponse{Keys: keys}
	if len(keys) > size {
		resp.Keys = keys[:size]
		resp.NextPageToken = base64.RawURLEncoding.EncodeToString([]byte(req.GetPrefix() + "\x00" + keys[size-1]))
	}
	return resp, nil
}

func (m *MemoryGatewayAPI) Log(_ context.Context, req *polyplugv1.LogRequest) (*polyplugv1.LogResponse, error) {
	m.enter("Log")
	defer m.mu.Unlock()
	m.logs = append(m.logs, proto.Clone(req).(*polyplugv1.LogRequest))
	return &polyplugv1.LogResponse{}, nil
}

func (m *MemoryGatewayAPI) PublishEvent(_ context.Context, req *polyplugv1.PublishEventRequest) (*polyplugv1.PublishEventResponse, error) {
	m.enter("PublishEvent")
	defer m.mu.Unlock()
	m.events = append(m.events, proto.Clone(req).(*polyplugv1.PublishEventRequest))
	return &polyplugv1.PublishEventResponse{}, nil
}

func (m *MemoryGatewayAPI) GetConfig(context.Context, *polyplugv1.GetConfigRequest) (*polyplugv1.GetConfigResponse, error) {
	m.enter("GetConfig")
	defer m.mu.Unlock()
	return &polyplugv1.GetConfigResponse{Configuration: proto.Clone(m.config).(*structpb.Struct)}, nil
}

func (m *MemoryGatewayAPI) SaveConfig(_ context.Context, req *polyplugv1.SaveConfigRequest) (*polyplugv1.SaveConfigResponse, error) {
	m.enter("SaveConfig")
	defer m.mu.Unlock()
	st := req.GetConfiguration()
	if st == nil {
		st = &structpb.Struct{}
	}
	m.config = proto.Clone(st).(*structpb.Struct)
	return &polyplugv1.SaveConfigResponse{}, nil
}
