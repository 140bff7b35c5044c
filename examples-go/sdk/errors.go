package polyplug

import (
	"errors"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	polyplugv1 "github.com/polyplug/polyplug/examples-go/gen/polyplug/v1"
)

// Error is a Polyplug error: a code from the contract's closed ErrorCode set, a
// message saying what was wrong, and optional details ("field", "limit", ...).
// Return one from a handler to choose the code the gateway sees; any other
// error is reported as ERROR_CODE_PLUGIN_FAILED. GatewayAPI calls return
// *Error too.
type Error struct {
	Code    polyplugv1.ErrorCode
	Message string
	Details map[string]string
}

// Errorf builds an *Error with the given code and a formatted message.
func Errorf(code polyplugv1.ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Error renders the code name and message.
func (e *Error) Error() string {
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// CodeOf returns err's ErrorCode: the code of an *Error in its chain,
// ERROR_CODE_PLUGIN_FAILED for any other non-nil error, UNSPECIFIED for nil.
func CodeOf(err error) polyplugv1.ErrorCode {
	if err == nil {
		return polyplugv1.ErrorCode_ERROR_CODE_UNSPECIFIED
	}
	var pe *Error
	if errors.As(err, &pe) {
		return pe.Code
	}
	return polyplugv1.ErrorCode_ERROR_CODE_PLUGIN_FAILED
}

// toProtoError turns a handler error into the wire Error, truncating the
// message to the contract's 4 KiB.
func toProtoError(err error) *polyplugv1.Error {
	if err == nil {
		return nil
	}
	out := &polyplugv1.Error{Code: polyplugv1.ErrorCode_ERROR_CODE_PLUGIN_FAILED, Message: err.Error()}
	var pe *Error
	if errors.As(err, &pe) {
		out.Code, out.Message, out.Details = pe.Code, pe.Message, pe.Details
		if out.Code == polyplugv1.ErrorCode_ERROR_CODE_UNSPECIFIED {
			out.Code = polyplugv1.ErrorCode_ERROR_CODE_PLUGIN_FAILED
		}
	}
	if len(out.Message) > maxErrorMsgBytes {
		out.Message = out.Message[:maxErrorMsgBytes]
	}
	return out
}

// fromStatus converts a GatewayAPI gRPC failure into an *Error, mapping status
// codes to ErrorCodes as common.proto specifies.
func fromStatus(method string, err error) error {
	st, ok := status.FromError(err)
	if !ok {
		return &Error{Code: polyplugv1.ErrorCode_ERROR_CODE_UNAVAILABLE, Message: fmt.Sprintf("GatewayAPI.%s: %v", method, err)}
	}
	code := polyplugv1.ErrorCode_ERROR_CODE_INTERNAL
	switch st.Code() {
	case codes.Unknown:
		code = polyplugv1.ErrorCode_ERROR_CODE_PLUGIN_FAILED
	case codes.Aborted:
		code = polyplugv1.ErrorCode_ERROR_CODE_FAILED_PRECONDITION
	case codes.OutOfRange:
		code = polyplugv1.ErrorCode_ERROR_CODE_INVALID_ARGUMENT
	case codes.Unauthenticated:
		code = polyplugv1.ErrorCode_ERROR_CODE_PERMISSION_DENIED
	case codes.DataLoss:
		code = polyplugv1.ErrorCode_ERROR_CODE_INTERNAL
	default:
		if _, known := polyplugv1.ErrorCode_name[int32(st.Code())]; known && st.Code() != codes.OK {
			code = polyplugv1.ErrorCode(st.Code())
		}
	}
	return &Error{Code: code, Message: fmt.Sprintf("GatewayAPI.%s: %s", method, st.Message())}
}
