package openvod

import (
	"strconv"
	"strings"
)

// AttemptKey returns the blob key that attempt n of a task writes its output
// to: the task's OutputKey with ".a<n>" before its extension ("1/ab/f0.mp4"
// becomes "1/ab/f0.a3.mp4"), or "" when outputKey is "". Each attempt writes
// its own object and the transaction that finishes the task names it in the
// media record, so an attempt that lost its lease never changes the bytes
// another attempt committed.
func AttemptKey(outputKey string, n int64) string {
	if outputKey == "" {
		return ""
	}
	dir := strings.LastIndexByte(outputKey, '/') + 1
	ext := strings.LastIndexByte(outputKey[dir:], '.')
	if ext < 0 {
		ext = len(outputKey)
	} else {
		ext += dir
	}
	return outputKey[:ext] + ".a" + strconv.FormatInt(n, 10) + outputKey[ext:]
}

// AttemptOutputKey returns the OutputKey that key was derived from by
// AttemptKey, or "" when key does not have AttemptKey's form.
func AttemptOutputKey(key string) string {
	dir := strings.LastIndexByte(key, '/') + 1
	name := key[dir:]
	dot := strings.LastIndexByte(name, '.')
	if dot < 0 {
		return ""
	}
	if stem, ext := name[:dot], name[dot:]; isAttemptSuffix(stem) {
		return key[:dir] + stem[:strings.LastIndexByte(stem, '.')] + ext
	}
	if isAttemptSuffix(name) {
		return key[:dir+dot] // an OutputKey without an extension
	}
	return ""
}

// isAttemptSuffix reports whether name ends in ".a<digits>" after a
// non-empty stem.
func isAttemptSuffix(name string) bool {
	dot := strings.LastIndexByte(name, '.')
	if dot <= 0 || len(name) < dot+3 || name[dot+1] != 'a' {
		return false
	}
	for _, c := range name[dot+2:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
