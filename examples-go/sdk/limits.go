package polyplug

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	polyplugv1 "github.com/polyplug/polyplug/examples-go/gen/polyplug/v1"
	"google.golang.org/protobuf/proto"
)

// Limits of the Polyplug contract (proto/polyplug/v1/common.proto). The SDK
// checks them before sending so an author gets an error naming the limit
// instead of a gateway rejection.
const (
	MaxMessageBytes  = 16 << 20 // gRPC message on the plugin channel, both directions
	MaxPayloadBytes  = 8 << 20  // serialized Struct: payloads, configuration, command data
	MaxKeyBytes      = 512      // KV key
	MaxValueBytes    = 1 << 20  // KV value
	MaxBodyChunk     = 64 << 10 // ServeHTTP body chunk, both directions
	MaxLogBytes      = 64 << 10 // Log message, and Log fields serialized
	MaxCommandText   = 64 << 10 // ExecuteCommandResponse.text
	MaxKvListPage    = 1000     // KvList page_size
	MaxClusterBytes  = 1 << 20  // PublishClusterMessage payload, serialized Struct
	maxErrorMsgBytes = 4 << 10  // Error.message; longer is truncated
)

var (
	eventNamePattern = regexp.MustCompile(`^[a-z0-9_.-]{1,128}$`)
)

// checkStructSize fails with RESOURCE_EXHAUSTED naming what and the limit when s
// serializes to more than limit bytes.
func checkStructSize(what string, m proto.Message, limit int) error {
	if n := proto.Size(m); n > limit {
		return &Error{
			Code:    polyplugv1.ErrorCode_ERROR_CODE_RESOURCE_EXHAUSTED,
			Message: fmt.Sprintf("%s is %d bytes serialized, over the limit of %d bytes", what, n, limit),
			Details: map[string]string{"limit": fmt.Sprintf("%d bytes", limit)},
		}
	}
	return nil
}

// checkKey validates a KV key: 1..512 bytes of UTF-8 without NUL.
func checkKey(key string) error {
	switch {
	case key == "":
		return invalidArgument("key", "KV key is empty; keys are 1..512 bytes")
	case len(key) > MaxKeyBytes:
		return &Error{Code: polyplugv1.ErrorCode_ERROR_CODE_INVALID_ARGUMENT,
			Message: fmt.Sprintf("KV key is %d bytes, over the limit of %d bytes", len(key), MaxKeyBytes),
			Details: map[string]string{"field": "key", "limit": fmt.Sprintf("%d bytes", MaxKeyBytes)}}
	case !utf8.ValidString(key) || strings.ContainsRune(key, 0):
		return invalidArgument("key", "KV key must be valid UTF-8 without NUL characters")
	}
	return nil
}

// checkValue validates a KV value against the 1 MiB limit.
func checkValue(field string, value []byte) error {
	if len(value) > MaxValueBytes {
		return &Error{Code: polyplugv1.ErrorCode_ERROR_CODE_RESOURCE_EXHAUSTED,
			Message: fmt.Sprintf("KV %s is %d bytes, over the limit of %d bytes", field, len(value), MaxValueBytes),
			Details: map[string]string{"field": field, "limit": fmt.Sprintf("%d bytes", MaxValueBytes)}}
	}
	return nil
}

func invalidArgument(field, msg string) *Error {
	return &Error{Code: polyplugv1.ErrorCode_ERROR_CODE_INVALID_ARGUMENT, Message: msg,
		Details: map[string]string{"field": field}}
}
