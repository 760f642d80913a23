package tcapi

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/openvod/openvod"
)

var mediaTypeRE = regexp.MustCompile(`^[a-z0-9]{1,10}$`)

// checkMediaType normalizes and checks a MediaType such as "mp4".
func checkMediaType(t string) (string, error) {
	t = strings.ToLower(strings.TrimPrefix(t, "."))
	if !mediaTypeRE.MatchString(t) {
		return "", openvod.InvalidValue("MediaType", true, "must be a file extension of 1-10 letters or digits, such as mp4")
	}
	return t, nil
}

// parseExpireTime parses an ISO 8601 ExpireTime; "" means never.
func parseExpireTime(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return openvod.NeverExpire, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, openvod.InvalidValue("ExpireTime", true, "must be an ISO 8601 time such as 2030-01-02T15:04:05Z")
	}
	if !t.After(now) {
		return time.Time{}, openvod.InvalidValue("ExpireTime", true, "must be in the future")
	}
	return t.UTC().Truncate(time.Second), nil
}

// checkClassID accepts ClassId 0 only: openvod has no category management.
func checkClassID(id int64) error {
	if id != 0 {
		return openvod.InvalidValue("ClassId", true, "category %d does not exist; openvod has only category 0", id)
	}
	return nil
}

// checkLen checks that s has at most max characters. The error code is
// code when given, else InvalidParameterValue naming field.
func checkLen(field, s string, max int, code string) error {
	if n := utf8.RuneCountInString(s); n > max {
		if code != "" {
			return openvod.Errorf(code, "%s: at most %d characters are allowed, got %d", field, max, n)
		}
		return openvod.InvalidValue(field, false, "at most %d characters are allowed, got %d", max, n)
	}
	return nil
}

// Field-length error codes Tencent lists.
const (
	codeSessionContextTooLong = "InvalidParameterValue.SessionContextTooLong"
	codeSessionIDTooLong      = "InvalidParameterValue.SessionIdTooLong"
)

// checkContexts validates the context fields shared by upload actions.
func checkContexts(sourceContext, sessionContext, sessionID string) error {
	if err := checkLen("SourceContext", sourceContext, 250, ""); err != nil {
		return err
	}
	if err := checkLen("SessionContext", sessionContext, 1000, codeSessionContextTooLong); err != nil {
		return err
	}
	return checkLen("SessionId", sessionID, 50, codeSessionIDTooLong)
}

// checkMediaName validates a media name.
func checkMediaName(name string) error {
	return checkLen("MediaName", name, 256, "")
}

// firstErr returns the first non-nil error.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
