package sqldb

import (
	"fmt"
	"time"
)

// timeArg is the column value of t: NULL when zero, else Unix microseconds.
func timeArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

// timeDest scans a column written by timeArg into a time.Time.
type timeDest struct{ t *time.Time }

// Scan implements sql.Scanner.
func (d timeDest) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*d.t = time.Time{}
	case int64:
		*d.t = time.UnixMicro(v).UTC()
	default:
		return fmt.Errorf("time column holds %T, want integer", v)
	}
	return nil
}

// bytesArg is the column value of b: NULL when nil.
func bytesArg(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}
