package openvod

import (
	"fmt"
)

// Error is an API error with a Tencent Cloud error code. Its Message is shown
// to the client as is, so it must say what to fix and never carry secrets.
type Error struct {
	Code    string
	Message string
}

// Error implements the error interface.
func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Tencent Cloud API 3.0 error codes used by openvod.
const (
	CodeAuthInvalidAuthorization = "AuthFailure.InvalidAuthorization"
	CodeAuthSecretIDNotFound     = "AuthFailure.SecretIdNotFound"
	CodeAuthSignatureExpire      = "AuthFailure.SignatureExpire"
	CodeAuthSignatureFailure     = "AuthFailure.SignatureFailure"
	CodeInternalError            = "InternalError"
	CodeInvalidAction            = "InvalidAction"
	CodeInvalidParameter         = "InvalidParameter"
	CodeInvalidParameterValue    = "InvalidParameterValue"
	CodeMissingParameter         = "MissingParameter"
	CodeNoSuchVersion            = "NoSuchVersion"
	CodeRequestSizeLimitExceeded = "RequestSizeLimitExceeded"
	CodeUnknownParameter         = "UnknownParameter"
	CodeUnsupportedOperation     = "UnsupportedOperation"
	CodeUnsupportedProtocol      = "UnsupportedProtocol"
)

// InvalidValue returns an InvalidParameterValue error for field, or the
// field-specific code InvalidParameterValue.<field> when specific is true.
func InvalidValue(field string, specific bool, format string, args ...any) *Error {
	code := CodeInvalidParameterValue
	if specific {
		code += "." + field
	}
	return &Error{Code: code, Message: field + ": " + fmt.Sprintf(format, args...)}
}
