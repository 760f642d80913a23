// Package benchmark runs openvod's benchmarks against real server
// processes and prints one table: Fast and Exact clips against ffmpeg run
// in the same run, signed API requests/s, push and pull event rates, push
// latency and the server's peak memory, on SQLite and on PostgreSQL. It
// generates its inputs with ffmpeg. `openvod bench` runs it; it is never
// gated in CI except for a smoke run on tiny inputs (Options.Quick).
package benchmark

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/openvod/openvod/benchmark/measure"

	"github.com/openvod/openvod/blob/s3/s3test"
	"github.com/openvod/openvod/eventlog"
)

// DefaultPostgresURL is the PostgreSQL used when Options.PostgresURL is empty.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Options configure a run.
type Options struct {
	// Self is the openvod binary: it is started as `serve`, and as
	// `bench launch CMD...` (measure.Launch) and `bench cut SRC DST START END`
	// (the fast cutter in a child process).
	Self string
	// Quick uses tiny inputs and short runs: a smoke run of a minute.
	Quick bool
	// PostgresURL is the database where a fresh schema is created and
	// dropped (DefaultPostgresURL when empty).
	PostgresURL string
	// WorkDir keeps generated inputs between runs (measure.DefaultWorkDir when empty).
	WorkDir string
	// EventsOnly runs the API and event rows only: no clip source, no clips.
	EventsOnly bool
	// ProcessOnly runs the media-processing rows only (no server).
	ProcessOnly bool
	// StreamingOnly runs the HLS streaming rows only (benchmark/streaming.go).
	StreamingOnly bool
	// EditOnly runs the EditMedia row only (benchmark/edit.go).
	EditOnly bool
	// LogSize is the number of unconsumed events of the log growth rows
	// (LogSizeDefault when zero; 10,000 in a quick run).
	LogSize int
	// Log receives progress lines (none when nil).
	Log io.Writer
}

// LogSizeDefault is the large log of the log growth rows; the small one is
// LogSizeSmall.
const (
	LogSizeDefault = 1_000_000
	LogSizeSmall   = 1_000
)

// Row is one line of the table.
type Row struct {
	Name, Ours, Baseline, Ratio, Target string
}

// Report is a run's result.
type Report struct {
	Rows    []Row
	Notes   []string
	Machine []string // "key: value" lines
	Quick   bool
}

// sizes are a run's input sizes.
type sizes struct {
	gateway, push, latency, pull int
	fastRuns, exactRuns          int
	fast                         []cut
	exact                        cut
}

var full = sizes{gateway: 20000, push: 20000, latency: 300, pull: 40000, fastRuns: 5, exactRuns: 3,
	fast:  []cut{{"30 s", 1801.3, 1831.3}, {"5 min", 1651.3, 1951.3}},
	exact: cut{"30 s", 1801.3, 1831.3}}

var quick = sizes{gateway: 2000, push: 2000, latency: 30, pull: 4000, fastRuns: 3, exactRuns: 1,
	fast:  []cut{{"5 s", 21.3, 26.3}, {"20 s", 11.3, 31.3}},
	exact: cut{"5 s", 21.3, 26.3}}

// Run runs every benchmark and returns the table.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Self == "" {
		return nil, errors.New("benchmark: Options.Self is empty")
	}
	logf := func(format string, args ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, "bench: "+format+"\n", args...)
		}
	}
	work := cmp.Or(o.WorkDir, measure.DefaultWorkDir())
	if o.ProcessOnly {
		return runProcess(ctx, o, work, logf)
	}
	if _, err := s3test.Binary(); err != nil {
		return nil, fmt.Errorf("benchmark: the S3 rows need an S3 server: %w", err)
	}
	if o.StreamingOnly {
		return runStreaming(ctx, o, work, logf)
	}
	if o.EditOnly {
		return runEdit(ctx, o, work, logf)
	}
	sz, ss := full, fullStorage
	if o.Quick {
		sz, ss = quick, quickStorage
	}
	var src, srcDesc string
	if !o.EventsOnly {
		var err error
		if src, srcDesc, err = benchSource(o, work, logf); err != nil {
			return nil, err
		}
	}
	tiny, err := measure.EnsureFile(work, "tiny1s.mp4", measure.SourceFor("160x120", 1, "100k"), logf)
	if err != nil {
		return nil, err
	}
	if o.LogSize == 0 {
		o.LogSize = LogSizeDefault
		if o.Quick {
			o.LogSize = 10_000
		}
	}
	pg, err := newSchema(ctx, cmp.Or(o.PostgresURL, DefaultPostgresURL))
	if err != nil {
		return nil, err
	}
	defer pg.drop()
	tmp, err := os.MkdirTemp("", "openvod-bench-run-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	rc, err := newReceiver()
	if err != nil {
		return nil, err
	}
	defer rc.close()

	r := &Report{Quick: o.Quick}
	loadAtStart := measure.LoadAvg()
	type perStore struct {
		label, db string
		clips     bool
	}
	var eventRows [][]Row
	for _, s := range []perStore{{"SQLite", "", true}, {"PostgreSQL", pg.URL, false}} {
		logf("%s: starting the server", s.label)
		rows, err := runServer(ctx, o, sz, s.label, s.db, filepath.Join(tmp, s.label), src, tiny, rc, s.clips && !o.EventsOnly)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.label, err)
		}
		eventRows = append(eventRows, rows)
	}
	logf("SQLite: push of events committed by the server itself (in-process server)")
	inProc, err := benchPushInProcess(ctx, filepath.Join(tmp, "in-process"), rc, sz.push)
	if err != nil {
		return nil, fmt.Errorf("in-process push: %w", err)
	}
	eventRows = append(eventRows, []Row{{Name: "Push events/s, SQLite, committed by the server (in-process)", Ours: num(inProc) + " events/s",
		Baseline: "target 5,000 events/s", Ratio: ratio(inProc / 5000), Target: met(inProc >= 5000, "≥ 5,000 events/s")}})
	var storageRows, imageRows, videoRows, streamingRows, editRows []Row
	var storageNote, imageNote, videoNote, streamingNote, editNote string
	if !o.EventsOnly {
		logf("storage: S3 (versitygw) against local disk")
		if storageRows, storageNote, err = benchStorage(ctx, o, ss, sz.fast[0], sz.fastRuns, src, filepath.Join(tmp, "storage"), rc, logf); err != nil {
			return nil, fmt.Errorf("storage: %w", err)
		}
		logf("edit: EditMedia by stream copy")
		if editRows, editNote, err = benchEdit(ctx, o, src, filepath.Join(tmp, "edit"), rc, logf); err != nil {
			return nil, fmt.Errorf("edit: %w", err)
		}
		logf("streaming: on-the-fly HLS")
		if streamingRows, streamingNote, err = benchStreaming(ctx, o, src, filepath.Join(tmp, "streaming"), logf); err != nil {
			return nil, fmt.Errorf("streaming: %w", err)
		}
		logf("images: snapshots and an image sprite (package process)")
		if imageRows, imageNote, err = benchImages(ctx, o, work, src, filepath.Join(tmp, "images"), logf); err != nil {
			return nil, fmt.Errorf("images: %w", err)
		}
		vz := fullVideo
		if o.Quick {
			vz = quickVideo
		}
		logf("transcodes")
		if videoRows, videoNote, err = benchProcessVideo(ctx, o.Self, work, filepath.Join(tmp, "video"), vz, logf); err != nil {
			return nil, fmt.Errorf("transcodes: %w", err)
		}
	}
	// Clip rows (SQLite only) first, then the other rows store by store.
	for _, rows := range eventRows {
		for _, row := range rows {
			if strings.HasPrefix(row.Name, "Fast clip") || strings.HasPrefix(row.Name, "Exact clip") {
				r.Rows = append(r.Rows, row)
			}
		}
	}
	var order []string
	byBase := map[string][]Row{}
	for _, rows := range eventRows {
		for _, row := range rows {
			if strings.HasPrefix(row.Name, "Fast clip") || strings.HasPrefix(row.Name, "Exact clip") {
				continue
			}
			base, _, _ := strings.Cut(row.Name, ", ")
			if _, ok := byBase[base]; !ok {
				order = append(order, base)
			}
			byBase[base] = append(byBase[base], row)
		}
	}
	for _, base := range order {
		r.Rows = append(r.Rows, byBase[base]...)
	}
	r.Rows = append(r.Rows, editRows...)
	r.Rows = append(r.Rows, storageRows...)
	r.Rows = append(r.Rows, streamingRows...)
	r.Rows = append(r.Rows, imageRows...)
	r.Rows = append(r.Rows, videoRows...)
	r.Notes = []string{
		"Inputs: " + srcDesc + "; page cache warm; the server's copy of the source was uploaded through the API.",
		fmt.Sprintf("Clip rows (SQLite server): median of %d runs (Exact: %d); \"API\" is from the ClipVideo request to the ClipComplete callback received by a push receiver on loopback (task insert, cut, fsync and rename of the clip, the final durable commit and the push); \"cutter process\" is `openvod bench cut` (clip.CutFile, with fsync) in a child process; the baselines are the ffmpeg commands run directly in the same run (ffmpeg does not fsync). Peak RSS of child processes is measured through a small launcher (ru_maxrss). Ratio = ours / baseline.", sz.fastRuns, sz.exactRuns),
		fmt.Sprintf("Signed API requests: %d DescribeMediaInfos from 16 keep-alive clients on loopback.", sz.gateway),
		fmt.Sprintf("Push events/s: a backlog of %d PullComplete events committed by the benchmark process into the server's database (batches of 500, durable commits), claimed from the store by the server's dispatcher and POSTed to the receiver; rate between the first and the last receipt. This is the path of events a server did not commit itself (retries, another server's events), with two processes writing the database; events a server commits itself are pushed from memory without the claim, so this row is a lower bound of the usual path. The \"committed by the server\" row measures that usual path: the same backlog committed by a server running in the benchmark process, handed to its dispatcher from memory. Push latency: from the CommitUpload request of a 1-second file to the receipt of its NewFileUpload callback, %d in turn, so it includes the request and its durable commit (an fsync on SQLite), not only commit to receipt.", sz.push, sz.latency),
		fmt.Sprintf("Pull and confirm: a backlog of %d events committed by the benchmark process, drained by 4 consumers calling PullEvents (16 per call) and ConfirmEvents over signed HTTP.", sz.pull),
		fmt.Sprintf("Event log growth: the log of the pulling app is filled with unconsumed events (the store's bulk insert from the benchmark process, 2,000 per transaction) to %s and then to %s (`--log-size`); at each size, %d PullEvents in turn, each followed by the ConfirmEvents of its events (p50 of the PullEvents), then a backlog of %s events committed as for the pull row (batches of 500, durable commits). Ratio = the large log's figure over the small log's (for the insert rate, small over large), so ≤ 1.5× is met.", num(LogSizeSmall), num(float64(o.LogSize)), growthPulls, num(growthBacklog)),
		"No external baseline exists for the API and event rows: their baseline column is the target, and the ratio is ours / target (≥ 1 is met for rates, ≤ 1 for latency). Server peak memory is VmHWM of the server process at the end of its rows.",
		"Client, receiver and server share the machine's cores.",
		storageNote,
	}
	for _, n := range []string{editNote, streamingNote, imageNote, videoNote} {
		if n != "" {
			r.Notes = append(r.Notes, n)
		}
	}
	r.Machine = []string{
		"Date: " + time.Now().UTC().Format("2006-01-02 15:04 MST"),
		"CPU: " + measure.CPUModel(),
		fmt.Sprintf("Cores: %d", runtime.NumCPU()),
		"Load average (1, 5, 15 min) at start: " + loadAtStart + ", at end: " + measure.LoadAvg() + " (other work on the machine makes the figures vary)",
		"Memory: " + measure.MemTotal(),
		"Kernel: " + measure.Kernel(),
		"Go: " + runtime.Version(),
		"ffmpeg: " + measure.FFmpegVersion(),
		"PostgreSQL: " + pg.Server + " on loopback, defaults",
		"SQLite: synchronous=FULL (the server's default), WAL",
	}
	return r, nil
}

// runAlone runs one group of rows alone: bench measures them on the
// benchmark source (benchSource) in a temporary directory, removed after,
// and returns them with their note. The report's Machine names the date,
// the CPU, the load before and after and ffmpeg's version, then machine.
func runAlone(o Options, work, name string, logf func(string, ...any), bench func(src, dir string) ([]Row, string, error), machine ...string) (*Report, error) {
	src, srcDesc, err := benchSource(o, work, logf)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "openvod-bench-"+name+"-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	load := measure.LoadAvg()
	rows, note, err := bench(src, tmp)
	if err != nil {
		return nil, err
	}
	return &Report{Rows: rows, Quick: o.Quick, Notes: []string{"Input: " + srcDesc + "; page cache warm.", note},
		Machine: append([]string{
			"Date: " + time.Now().UTC().Format("2006-01-02 15:04 MST"), "CPU: " + measure.CPUModel(),
			"Load average (1, 5, 15 min) at start: " + load + ", at end: " + measure.LoadAvg() + " (other work on the machine makes the figures vary)",
			"ffmpeg: " + measure.FFmpegVersion(),
		}, machine...)}, nil
}

// benchSource returns the clip and streaming source, generated once into
// work, with the page cache warm, and its description.
func benchSource(o Options, work string, logf func(string, ...any)) (src, desc string, err error) {
	if o.Quick {
		src, err = measure.EnsureFile(work, "src60s240p.mp4", measure.SourceFor("320x240", 60, "300k"), logf)
		desc = "60-second 320x240 H.264 + AAC source generated with ffmpeg (quick run)"
	} else {
		src, err = measure.EnsureSource(work, logf)
		desc = "60-minute 1280x720 30 fps H.264 3 Mb/s (2 B-frames, 2 s GOP) + AAC 128k source generated with ffmpeg"
	}
	if err == nil {
		err = measure.Warm(src)
	}
	return src, desc, err
}

// runServer starts one server and measures its rows.
func runServer(ctx context.Context, o Options, sz sizes, label, db, dataDir, src, tiny string, rc *receiver, clips bool) (rows []Row, err error) {
	srv, err := startServer(o.Self, dataDir, db)
	if err != nil {
		return nil, err
	}
	defer func() {
		if srv != nil {
			if err != nil {
				err = fmt.Errorf("%w\nserver log:\n%s", err, srv.log())
			}
			srv.stop()
		}
	}()
	logf := func(format string, args ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, "bench: "+label+": "+format+"\n", args...)
		}
	}
	c := srv.client()
	st, err := openStore(ctx, dataDir, db)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	log := &eventlog.Log{Store: st, Hub: eventlog.NewHub(), Owner: "openvod-bench", PushLease: time.Nanosecond}

	fileID, err := upload(ctx, c, tiny)
	if err != nil {
		return nil, err
	}
	logf("signed API requests")
	g, err := benchGateway(ctx, c, fileID, sz.gateway)
	if err != nil {
		return nil, err
	}
	rows = append(rows, Row{Name: "Signed API requests/s, " + label,
		Ours: fmt.Sprintf("%s req/s (p50 %s, p99 %s)", num(g.rps), msf(g.p50), msf(g.p99)), Baseline: "target 5,000 req/s",
		Ratio: ratio(g.rps / 5000), Target: met(g.rps >= 5000, "≥ 5,000 req/s")})

	logf("pull and confirm")
	pullRate, err := benchPull(ctx, c, log, sz.pull)
	if err != nil {
		return nil, err
	}
	logf("push")
	p, err := benchPush(ctx, c, log, rc, tiny, sz.push, sz.latency)
	if err != nil {
		return nil, err
	}
	rows = append(rows,
		Row{Name: "Push events/s, " + label, Ours: num(p.rate) + " events/s", Baseline: "target 5,000 events/s",
			Ratio: ratio(p.rate / 5000), Target: met(p.rate >= 5000, "≥ 5,000 events/s")},
		Row{Name: "Push latency p50 / p99, " + label, Ours: msf(p.p50) + " / " + msf(p.p99), Baseline: "target p50 5 ms",
			Ratio: ratio(p.p50.Seconds() / 0.005), Target: met(p.p50 <= 5*time.Millisecond, "p50 ≤ 5 ms")},
		Row{Name: "Pull and confirm events/s, " + label, Ours: num(pullRate) + " events/s", Baseline: "target 20,000 events/s",
			Ratio: ratio(pullRate / 20000), Target: met(pullRate >= 20000, "≥ 20,000 events/s")},
	)
	if label != "SQLite" {
		// The targets are set for SQLite.
		for i := range rows {
			rows[i].Target = "— (targets are for SQLite)"
		}
	}
	if clips {
		logf("uploading the clip source through the API")
		srcID, err := upload(ctx, c, src)
		if err != nil {
			return nil, err
		}
		tmp := filepath.Join(dataDir, "clips")
		if err := os.MkdirAll(tmp, 0o755); err != nil {
			return nil, err
		}
		targets := []string{"≤ 0.5×", "≤ 1.0×"}
		for i, ct := range sz.fast {
			logf("Fast clip %s", ct.name)
			res, err := benchClip(ctx, o.Self, c, rc, srcID, src, tmp, ct, false, sz.fastRuns)
			if err != nil {
				return nil, err
			}
			target := targets[min(i, 1)]
			rows = append(rows,
				Row{Name: "Fast clip " + ct.name + ", API request → callback", Ours: msf(res.api.Wall),
					Baseline: "ffmpeg -c copy " + msf(res.ffmpeg.Wall), Ratio: ratio(res.api.Wall.Seconds() / res.ffmpeg.Wall.Seconds()), Target: "—"},
				Row{Name: "Fast clip " + ct.name + ", cutter process", Ours: msf(res.child.Wall) + ", " + mb(res.child.MaxRSS),
					Baseline: "ffmpeg -c copy " + msf(res.ffmpeg.Wall) + ", " + mb(res.ffmpeg.MaxRSS),
					Ratio:    ratio(res.child.Wall.Seconds()/res.ffmpeg.Wall.Seconds()) + " time, " + ratio(float64(res.child.MaxRSS)/float64(res.ffmpeg.MaxRSS)) + " memory",
					Target:   met(res.child.Wall.Seconds()/res.ffmpeg.Wall.Seconds() <= targetRatio(target) && res.child.MaxRSS <= 64e6, target+" time, ≤ 64 MB")},
			)
		}
		logf("Exact clip %s", sz.exact.name)
		res, err := benchClip(ctx, o.Self, c, rc, srcID, src, tmp, sz.exact, true, sz.exactRuns)
		if err != nil {
			return nil, err
		}
		rows = append(rows, Row{Name: "Exact clip " + sz.exact.name + ", API request → callback", Ours: msf(res.api.Wall),
			Baseline: "same ffmpeg re-encode " + msf(res.ffmpeg.Wall), Ratio: ratio(res.api.Wall.Seconds() / res.ffmpeg.Wall.Seconds()), Target: "—"})
	}

	// Last: it leaves the app in PULL mode.
	logf("event log growth to %d events", o.LogSize)
	growth, err := benchGrowth(ctx, c, st, log, LogSizeSmall, o.LogSize)
	if err != nil {
		return nil, err
	}
	pullCost := growth[1].pullP50.Seconds() / growth[0].pullP50.Seconds()
	insertCost := growth[0].insert / growth[1].insert
	// The growth targets hold on both databases.
	rows = append(rows,
		Row{Name: "Event log growth, PullEvents p50, " + label, Ours: msf(growth[1].pullP50) + " with " + num(float64(o.LogSize)) + " unconsumed",
			Baseline: msf(growth[0].pullP50) + " with " + num(LogSizeSmall), Ratio: ratio(pullCost), Target: met(pullCost <= 1.5, "≤ 1.5×")},
		Row{Name: "Event log growth, insert rate, " + label, Ours: num(growth[1].insert) + " events/s with " + num(float64(o.LogSize)) + " unconsumed",
			Baseline: num(growth[0].insert) + " events/s with " + num(LogSizeSmall), Ratio: ratio(insertCost), Target: met(insertCost <= 1.5, "≤ 1.5×")})

	peak, err := srv.peakRSS()
	if err != nil {
		return nil, err
	}
	what := "after its API and event rows"
	if clips {
		what = "after its API, event and clip rows"
	}
	rows = append(rows, Row{Name: "Server peak memory, " + label, Ours: mb(peak) + " (VmHWM " + what + ")", Baseline: "—", Ratio: "—", Target: "—"})
	return rows, nil
}

func targetRatio(t string) float64 {
	var f float64
	fmt.Sscanf(strings.TrimPrefix(t, "≤ "), "%g", &f)
	return f
}

func met(ok bool, target string) string {
	if ok {
		return target + ": met"
	}
	return target + ": NOT met"
}

func num(f float64) string {
	n := int64(f + 0.5)
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func msf(d time.Duration) string {
	ms := float64(d.Microseconds()) / 1000
	if ms < 10 {
		return fmt.Sprintf("%.2f ms", ms)
	}
	return fmt.Sprintf("%.1f ms", ms)
}

func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }

func ratio(f float64) string { return fmt.Sprintf("%.2f×", f) }

// WriteTable prints the report as an aligned text table.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ROW\tOURS\tBASELINE\tRATIO\tTARGET")
	for _, row := range r.Rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", row.Name, row.Ours, row.Baseline, row.Ratio, row.Target)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	for _, m := range r.Machine {
		fmt.Fprintln(w, m)
	}
	return nil
}

// Markdown returns the report as Markdown: machine, table and notes.
func (r *Report) Markdown() string {
	var b strings.Builder
	if r.Quick {
		b.WriteString("Quick run (tiny inputs): a smoke test, not the figures to quote.\n\n")
	}
	b.WriteString("Machine: " + strings.Join(r.Machine, "; ") + ".\n\n")
	b.WriteString("| Row | Ours | Baseline (same run) | Ratio | Target |\n|---|---|---|---|---|\n")
	for _, row := range r.Rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", row.Name, row.Ours, row.Baseline, row.Ratio, row.Target)
	}
	b.WriteString("\n")
	for _, n := range r.Notes {
		b.WriteString("- " + n + "\n")
	}
	return b.String()
}

// Markers delimit the generated part of the benchmarks document.
const (
	BeginMarker = "<!-- bench:begin -->"
	EndMarker   = "<!-- bench:end -->"
)

// WriteMarkdown replaces what lies between the markers in the file at path
// with the report (appending the markers when the file has none).
func (r *Report) WriteMarkdown(path string) error {
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	doc := string(old)
	block := BeginMarker + "\n" + r.Markdown() + EndMarker
	i, j := strings.Index(doc, BeginMarker), strings.Index(doc, EndMarker)
	if i >= 0 && j > i {
		doc = doc[:i] + block + doc[j+len(EndMarker):]
	} else {
		if doc != "" && !strings.HasSuffix(doc, "\n") {
			doc += "\n"
		}
		doc += "\n" + block + "\n"
	}
	return os.WriteFile(path, []byte(doc), 0o644)
}
