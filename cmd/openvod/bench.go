package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/openvod/openvod/benchmark"
	"github.com/openvod/openvod/benchmark/measure"
	"github.com/openvod/openvod/clip"
)

// runBench runs the benchmarks (package benchmark) and prints one table.
// Two hidden forms serve the benchmark's child processes: `bench launch
// CMD ARGS...` runs a command and prints its wall time and peak RSS, and
// `bench cut SRC DST START END` runs the fast cutter alone.
func runBench(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "launch" {
		return measure.Launch(args[1:], stdout, stderr)
	}
	if len(args) == 5 && args[0] == "cut" {
		start, err1 := strconv.ParseFloat(args[3], 64)
		end, err2 := strconv.ParseFloat(args[4], 64)
		if err1 != nil || err2 != nil {
			return fmt.Errorf("bench cut: bad range %q %q", args[3], args[4])
		}
		_, err := clip.CutFile(args[2], args[1], start, end, true)
		return err
	}
	s := newSettings("bench", "bench [flags]", getenv, stderr)
	quick := s.fs.Bool("quick", false, "tiny inputs and short runs (a smoke run of about a minute); does not write --out unless it is given")
	pg := s.String("postgres", "OPENVOD_BENCH_POSTGRES", benchmark.DefaultPostgresURL, "PostgreSQL where a fresh schema is created for the run and dropped after")
	out := s.String("out", "OPENVOD_BENCH_OUT", "docs/benchmarks.md", "Markdown file whose part between <!-- bench:begin --> and <!-- bench:end --> is replaced with the table (\"-\": none)")
	eventsOnly := s.fs.Bool("events", false, "the API and event rows only (no clip source, no clips); does not write --out unless it is given")
	processOnly := s.fs.Bool("process", false, "the media-processing rows only (images and transcodes; no server); does not write --out unless it is given")
	streamingOnly := s.fs.Bool("streaming", false, "the HLS streaming rows only (first segment after CommitUpload, segment GETs on local disk and S3); does not write --out unless it is given")
	editOnly := s.fs.Bool("edit", false, "the EditMedia row only (three 30 s ranges of the source joined by stream copy, against ffmpeg -f concat -c copy); does not write --out unless it is given")
	logSize := s.fs.Int("log-size", 0, "unconsumed events in the large log of the event log growth rows (0: 1,000,000, or 10,000 with --quick)")
	work := s.String("work", "OPENVOD_BENCH_WORK", measure.DefaultWorkDir(), "directory of the generated inputs, reused between runs (the full run's source is 1.4 GB)")
	if err := s.parse(args); err != nil {
		return err
	}
	outSet := getenv("OPENVOD_BENCH_OUT") != ""
	s.fs.Visit(func(f *flag.Flag) { outSet = outSet || f.Name == "out" })
	self, err := os.Executable()
	if err != nil {
		return err
	}
	r, err := benchmark.Run(ctx, benchmark.Options{Self: self, Quick: *quick, EventsOnly: *eventsOnly, ProcessOnly: *processOnly, StreamingOnly: *streamingOnly, EditOnly: *editOnly, LogSize: *logSize, PostgresURL: *pg, WorkDir: *work, Log: stderr})
	if err != nil {
		return err
	}
	if err := r.WriteTable(stdout); err != nil {
		return err
	}
	if *out != "-" && (!*quick && !*eventsOnly && !*processOnly && !*streamingOnly && !*editOnly || outSet) {
		if err := r.WriteMarkdown(*out); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\nwritten to %s\n", *out)
	}
	return nil
}
