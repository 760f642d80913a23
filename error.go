package openvod

import (
	"errors"
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

// ErrorCode returns the code of the *Error in err's chain, or
// CodeInternalError when there is none.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternalError
}

// Tencent Cloud API 3.0 error codes used by openvod.
const (
	CodeAuthInvalidAuthorization = "AuthFailure.InvalidAuthorization"
	CodeAuthSecretIDNotFound     = "AuthFailure.SecretIdNotFound"
	CodeAuthSignatureExpire      = "AuthFailure.SignatureExpire"
	CodeAuthSignatureFailure     = "AuthFailure.SignatureFailure"
	CodeFailedOperation          = "FailedOperation"
	CodeInternalError            = "InternalError"
	CodeInvalidAction            = "InvalidAction"
	CodeInvalidParameter         = "InvalidParameter"
	CodeInvalidParameterValue    = "InvalidParameterValue"
	CodeMissingParameter         = "MissingParameter"
	CodeNoSuchVersion            = "NoSuchVersion"
	CodeRequestSizeLimitExceeded = "RequestSizeLimitExceeded"
	CodeResourceNotFound         = "ResourceNotFound"
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
