package benchmark_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openvod/openvod/benchmark"
	"github.com/openvod/openvod/openvodtest"
	"github.com/openvod/openvod/store/postgres/pgtest"
)

// TestQuick smoke-runs `openvod bench --quick` end to end: tiny inputs
// generated with ffmpeg, real server processes on SQLite and PostgreSQL,
// every row present, the S3 rows on a versitygw it starts. It checks that the benchmark works, not its figures.
func TestQuick(t *testing.T) {
	self := openvodtest.Binary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	var log bytes.Buffer
	r, err := benchmark.Run(ctx, benchmark.Options{Self: self, Quick: true, PostgresURL: pgtest.BaseURL(), WorkDir: t.TempDir(), Log: &log})
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	want := []string{
		"Fast clip 5 s, API request → callback", "Fast clip 5 s, cutter process",
		"Fast clip 20 s, API request → callback", "Fast clip 20 s, cutter process",
		"Exact clip 5 s, API request → callback",
		"EditMedia, 3 × 5 s joined by stream copy, API request → callback",
		"Push events/s, SQLite, committed by the server (in-process)",
		"S3 upload, presigned PUT + CommitUpload", "S3 Fast clip 5 s, API request → callback",
		"S3 ranged GET, proxy", "S3 ranged GET, redirect (followed)",
		"HLS first segment after CommitUpload (on the fly)", "HLS segment GETs, local disk", "HLS segment GETs, S3",
		"Snapshots at 10 offsets (process.Snapshots, jpg)", "Image sprite at 10 s, 142x80 tiles 10x10 (process.ImageSprite, jpg)",
		"Transcode ladder 100010+100020+100030, one decode", "Transcode 100030, one output",
	}
	for _, s := range []string{"SQLite", "PostgreSQL"} {
		for _, name := range []string{"Signed API requests/s", "Push events/s", "Push latency p50 / p99", "Pull and confirm events/s",
			"Event log growth, PullEvents p50", "Event log growth, insert rate", "Server peak memory"} {
			want = append(want, name+", "+s)
		}
	}
	got := map[string]benchmark.Row{}
	for _, row := range r.Rows {
		got[row.Name] = row
		if row.Ours == "" || row.Baseline == "" || row.Ratio == "" || row.Target == "" || strings.Contains(row.Ours+row.Ratio, "NaN") || strings.Contains(row.Ours+row.Ratio, "Inf") {
			t.Errorf("row %q is incomplete: %+v", row.Name, row)
		}
	}
	for _, name := range want {
		if _, ok := got[name]; !ok {
			t.Errorf("row %q missing", name)
		}
	}
	if len(r.Rows) != len(want) {
		t.Errorf("%d rows, want %d", len(r.Rows), len(want))
	}
	var table bytes.Buffer
	if err := r.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", table.String())

	// The Markdown replaces only what lies between the markers.
	doc := filepath.Join(t.TempDir(), "benchmarks.md")
	os.WriteFile(doc, []byte("# Title\n\n"+benchmark.BeginMarker+"\nold\n"+benchmark.EndMarker+"\n\nafter\n"), 0o644)
	if err := r.WriteMarkdown(doc); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(doc)
	s := string(b)
	if !strings.HasPrefix(s, "# Title\n\n"+benchmark.BeginMarker+"\n") || !strings.HasSuffix(s, benchmark.EndMarker+"\n\nafter\n") ||
		strings.Contains(s, "\nold\n") || !strings.Contains(s, "| Push events/s, SQLite |") {
		t.Errorf("markdown:\n%s", s)
	}
}
