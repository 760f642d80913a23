package sqldb

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// TestRebind checks placeholder rewriting for numbered-parameter backends.
func TestRebind(t *testing.T) {
	t.Parallel()
	q := "UPDATE t SET a = ? WHERE b = ? AND c IN (" + placeholders(3) + ")"
	if got, want := (&Dialect{}).rebind(q), "UPDATE t SET a = ? WHERE b = ? AND c IN (?, ?, ?)"; got != want {
		t.Errorf("rebind without numbered params = %q, want %q", got, want)
	}
	if got, want := (&Dialect{NumberedParams: true}).rebind(q), "UPDATE t SET a = $1 WHERE b = $2 AND c IN ($3, $4, $5)"; got != want {
		t.Errorf("rebind = %q, want %q", got, want)
	}
	if got := placeholders(1); got != "?" {
		t.Errorf("placeholders(1) = %q", got)
	}
}

// TestTimeColumns checks that times round-trip through their column form
// at microsecond precision, in UTC, and that the zero time is NULL.
func TestTimeColumns(t *testing.T) {
	t.Parallel()
	in := time.Date(2026, 12, 2, 10, 0, 0, 123456789, time.FixedZone("X", 3600))
	v := timeArg(in)
	var out time.Time
	if err := (timeDest{&out}).Scan(v); err != nil {
		t.Fatal(err)
	}
	if !out.Equal(in.Truncate(time.Microsecond)) || out.Location() != time.UTC {
		t.Fatalf("round trip of %v = %v", in, out)
	}
	if timeArg(time.Time{}) != nil {
		t.Fatal("the zero time is not NULL")
	}
	if err := (timeDest{&out}).Scan(nil); err != nil || !out.IsZero() {
		t.Fatalf("NULL scans to %v, %v", out, err)
	}
	if err := (timeDest{&out}).Scan("2026"); err == nil {
		t.Fatal("a text time column is not an error")
	}
	if bytesArg(nil) != nil || bytesArg([]byte{}) == nil {
		t.Fatal("bytesArg: nil must be NULL and empty must not")
	}
}

// TestReadMigrations checks the order and naming rules of migration files.
func TestReadMigrations(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"010_later.sql":  {Data: []byte("B")},
		"002_events.sql": {Data: []byte("A2")},
		"001_init.sql":   {Data: []byte("A1")},
	}
	ms, err := readMigrations(fsys)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range ms {
		got = append(got, m.name+":"+m.sql)
	}
	if strings.Join(got, ",") != "init:A1,events:A2,later:B" || ms[2].version != 10 {
		t.Fatalf("migrations = %v", got)
	}
	for name, bad := range map[string]fstest.MapFS{
		"unnumbered": {"init.sql": {}},
		"not sql":    {"001_init.txt": {}},
		"zero":       {"000_init.sql": {}},
		"twice":      {"001_a.sql": {}, "01_b.sql": {}},
		"none":       {},
	} {
		if _, err := readMigrations(bad); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
