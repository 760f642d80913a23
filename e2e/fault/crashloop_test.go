package fault

import (
	"context"
	"crypto/rand"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openvod/openvod/blob/s3/s3test"
	"github.com/openvod/openvod/openvodtest"
	"github.com/openvod/openvod/store/postgres/pgtest"
)

const (
	crashLoopFor = 45 * time.Second // SIGKILLs go on this long
	drainWithin  = 90 * time.Second // then every task and event must be done within this
	uploaders    = 4
	clippers     = 2
)

// TestCrashLoop SIGKILLs the server every 1–3 s (and restarts it at once)
// for crashLoopFor while 4 goroutines upload tiny files, 2 goroutines start
// Fast clips of an MP4 and a consumer pulls events. Then every accepted
// clip finishes once with one output file, every accepted upload's event
// arrives, and the media store holds exactly the files of the known media.
func TestCrashLoop(t *testing.T) {
	t.Parallel()
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			t.Parallel()
			opts := openvodtest.Options{Env: []string{"OPENVOD_TASK_LEASE=3s"}}
			if db == "postgres" {
				opts.DB = pgtest.URL(t)
			}
			srv := openvodtest.Start(t, opts)
			runCrashLoop(t, crashRun{srvs: newServers(srv), store: localStore(t, srv)})
		})
	}
}

// crashRun is what a crash loop runs on.
type crashRun struct {
	srvs  *servers
	store mediaStore
	// s3, when set, is the S3 server of the media store: it is SIGKILLed
	// in the middle of the loop and restarted s3Down later.
	s3 *s3test.Server
	// settle is how long after the drain the media store may take to hold
	// exactly the known media's objects (the janitor's orphan sweep).
	settle time.Duration
}

// s3Down is how long the S3 server of a crash loop stays down.
const s3Down = 2 * time.Second

// runCrashLoop SIGKILLs one of run's servers, picked at random, every 1–3 s
// (and restarts it at once) for crashLoopFor while uploads, Fast clips and
// a consumer spread over the servers, then drains and checks the
// invariants: every accepted clip finished once with one output object,
// every accepted upload's event delivered, the media store holding exactly
// the objects of the known media.
func runCrashLoop(t *testing.T, run crashRun) {
	fixture, err := os.ReadFile("../../clip/testdata/bf2_gop1s.mp4")
	if err != nil {
		t.Fatal(err)
	}
	srvs := run.srvs
	var oldLogs []string
	t.Cleanup(func() {
		logs := slices.Clone(oldLogs)
		for _, p := range srvs.procs {
			logs = append(logs, p.Stderr.String())
		}
		dumpErrors(t, logs...)
	})
	srv := srvs.procs[0] // for the calls that must succeed, made when no server is down
	ctx := context.Background()
	srv.Call(ctx, "ModifyEventConfig", map[string]any{"Mode": "PULL", "UploadMediaCompleteEventSwitch": "ON"}, nil)
	b := newBook()
	b.latePut = true
	srcID, ok := b.uploadSession(ctx, srvs, fixture, "source")
	if !ok {
		t.Fatal("upload of the clip source failed")
	}

	consumeCtx, stopConsumer := context.WithCancel(ctx)
	consumed := make(chan struct{})
	go func() { defer close(consumed); b.consume(consumeCtx, srvs) }()
	defer func() { stopConsumer(); <-consumed }()

	// Producers: stop starting new work at stop; a hard deadline
	// ends work in flight if the server never comes back.
	hard, cancelHard := context.WithTimeout(ctx, crashLoopFor+drainWithin)
	defer cancelHard()
	var stop atomic.Bool
	var wg sync.WaitGroup
	payload := make([]byte, 2048)
	rand.Read(payload)
	var seq atomic.Int64
	for g := range uploaders {
		wg.Go(func() {
			for !stop.Load() && hard.Err() == nil {
				b.uploadSession(hard, srvs, payload, fmt.Sprintf("u%d-%d", g, seq.Add(1)))
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
	for g := range clippers {
		wg.Go(func() {
			for !stop.Load() && hard.Err() == nil {
				start := float64(mrand.N(50)) / 10 // 0.0 … 4.9 s of a 6 s source
				session := fmt.Sprintf("c%d-%d", g, seq.Add(1))
				for hard.Err() == nil {
					var started struct{ TaskId string }
					err := srvs.client().Call(hard, "ClipVideo", map[string]any{"FileId": srcID, "StartTimeOffset": start,
						"EndTimeOffset": start + 1, "SessionId": session}, &started)
					if err == nil {
						b.mu.Lock()
						b.clipsAccepted[started.TaskId] = true
						b.mu.Unlock()
						break
					}
					b.mu.Lock()
					b.clipErrors++
					b.mu.Unlock()
					// InternalError: the media store was down (the S3 server's restart).
					if e := apiError(err); e != nil && e.Code != "InternalError" {
						t.Errorf("ClipVideo %g..%g answered %v", start, start+1, err)
						break
					}
					time.Sleep(50 * time.Millisecond)
				}
				time.Sleep(200 * time.Millisecond)
			}
		})
	}

	// The crash loop, on the test goroutine (Restart may fail the test).
	kills, s3Restarts := 0, 0
	begin := time.Now()
	for time.Since(begin) < crashLoopFor {
		time.Sleep(time.Second + mrand.N(2*time.Second))
		if run.s3 != nil && s3Restarts == 0 && time.Since(begin) > crashLoopFor/2 {
			run.s3.Stop()
			time.Sleep(s3Down)
			run.s3.Restart(t)
			s3Restarts++
			continue
		}
		victim := srvs.procs[mrand.N(len(srvs.procs))]
		victim.Kill()
		kills++
		oldLogs = append(oldLogs, victim.Stderr.String())
		victim.Restart()
	}
	stop.Store(true)
	loopEnd := time.Now()
	wg.Wait()
	producersDone := time.Since(loopEnd)
	// What late PUTs stored that the janitor has not removed yet (it does
	// once their session has expired and they are older than the upload TTL).
	lateLeft := 0
	for _, key := range run.store.objects() {
		if slices.ContainsFunc(b.latePaths, func(p string) bool { return strings.HasSuffix(p, "/"+key) }) {
			lateLeft++
		}
	}
	if hard.Err() != nil {
		t.Fatalf("producers did not finish their work in flight")
	}

	// Drain: every accepted clip FINISH, every event received, nothing left to pull.
	b.mu.Lock()
	tasks := make([]string, 0, len(b.clipsAccepted))
	for id := range b.clipsAccepted {
		tasks = append(tasks, id)
	}
	b.mu.Unlock()
	slices.Sort(tasks)
	type detail struct {
		Status   string
		ClipTask struct {
			FileInfo *struct {
				ErrCode         int64
				Message, FileId string
			}
		}
	}
	details := map[string]*detail{}
	drained := waitUntil(drainWithin, func() bool {
		for _, id := range tasks {
			if d := details[id]; d != nil && d.Status == "FINISH" {
				continue
			}
			var d detail
			if err := srvs.client().Call(ctx, "DescribeTaskDetail", map[string]any{"TaskId": id}, &d); err != nil || d.Status != "FINISH" {
				return false
			}
			details[id] = &d
		}
		b.mu.Lock()
		for _, id := range tasks {
			if len(b.clipEvents[id]) == 0 {
				b.mu.Unlock()
				return false
			}
		}
		b.mu.Unlock()
		if len(b.missingUploads()) > 0 {
			return false
		}
		n, err := countToPull(srvs.client())
		return err == nil && n == 0
	})
	drainedIn := time.Since(loopEnd)
	stopConsumer()
	<-consumed

	// Invariants.
	b.mu.Lock()
	finished, failed, twice, clipDups, noEvent := 0, 0, 0, 0, 0
	var outputs []string
	for _, id := range tasks {
		d := details[id]
		if d == nil {
			continue
		}
		finished++
		if d.ClipTask.FileInfo == nil || d.ClipTask.FileInfo.ErrCode != 0 || d.ClipTask.FileInfo.FileId == "" {
			failed++
			t.Errorf("clip %s finished with %+v", id, d.ClipTask.FileInfo)
			continue
		}
		out := d.ClipTask.FileInfo.FileId
		outputs = append(outputs, out)
		evs := b.clipEvents[id]
		if len(evs) == 0 {
			noEvent++
		}
		clipDups += max(0, len(evs)-1)
		for _, f := range evs {
			if f != out {
				twice++
				t.Errorf("clip %s: ClipComplete names output %s, the task %s (finished more than once)", id, f, out)
			}
		}
	}
	var phantomClips []string
	for id := range b.clipEvents {
		if !b.clipsAccepted[id] {
			phantomClips = append(phantomClips, id)
		}
	}
	known := []string{srcID}
	for id := range b.known {
		if id != srcID {
			known = append(known, id)
		}
	}
	accepted, uploadErrs, clipErrs, pulls, confirmsFailed, latePuts := len(b.accepted)-1, b.uploadErrors, b.clipErrors, b.pulls, b.confirmsFailed, len(b.latePaths)
	others := slices.Clone(b.otherEvents)
	outputSet := map[string]bool{}
	outputEvents := 0 // clip outputs whose NewFileUpload arrived
	for _, f := range outputs {
		outputSet[f] = true
		if b.uploadEvents[f] > 0 {
			outputEvents++
		}
	}
	uploadFiles, extra := 0, 0 // uploads' files (not the source, not clip outputs); committed, answer lost
	for f := range b.uploadEvents {
		if f != srcID && !outputSet[f] {
			uploadFiles++
			if !b.accepted[f] {
				extra++
			}
		}
	}
	b.mu.Unlock()
	missing := b.missingUploads()
	dups := b.uploadDuplicates()
	toPull, _ := countToPull(srvs.client())
	// The janitor's orphan sweep removes what crashes left (objects of
	// uploads and clip attempts nothing refers to) once they are older than
	// the upload TTL.
	var sc storeCheck
	orphansLeft := -1 // orphans when the drain ended
	settleStart := time.Now()
	settled := waitUntil(run.settle, func() bool {
		sc = checkStore(t, srv, known, run.store)
		if orphansLeft < 0 {
			orphansLeft = sc.orphans
		}
		return sc.clean()
	})
	settledIn := time.Since(settleStart)
	isHealthy := true
	for _, p := range srvs.procs {
		isHealthy = isHealthy && healthy(p)
	}
	produced := accepted + 2*len(outputs) // NewFileUpload of each accepted upload; ClipComplete and NewFileUpload of each clip
	delivered := accepted - len(missing) + len(outputs) - noEvent + outputEvents
	t.Logf("invariants: servers=%d kills=%d s3 restarts=%d tasks accepted=%d finished=%d (once each: %v) failed=%d "+
		"events produced=%d delivered=%d pullable=%d duplicated=%d lost=%d extra=%d "+
		"media files=%d (uploads %d + clips %d + source 1) orphan files=%d partial files=%d scratch=%d strays=%d "+
		"late PUTs taken=%d (objects left at the loop's end %d) orphans after the drain=%d cleared in %s (cleared=%v) healthy=%v "+
		"(uploads accepted=%d, failed upload steps=%d, failed ClipVideo calls=%d, pulls=%d, failed confirms=%d, producers done %s and drained %s after the loop, elapsed %s)",
		len(srvs.procs), kills, s3Restarts, len(tasks), finished, twice == 0, failed,
		produced, delivered, toPull, dups+clipDups, produced-delivered, extra,
		sc.files, uploadFiles, len(outputs), sc.orphans, sc.partial, sc.scratch, sc.strays, latePuts, lateLeft, orphansLeft, settledIn.Round(time.Second), settled, isHealthy,
		accepted, uploadErrs, clipErrs, pulls, confirmsFailed, producersDone.Round(time.Millisecond), drainedIn.Round(time.Millisecond), time.Since(begin).Round(time.Second))
	if outputEvents != len(outputs) {
		t.Errorf("NewFileUpload of %d clip outputs missing", len(outputs)-outputEvents)
	}
	if !drained {
		t.Errorf("not drained within %s after the crash loop: %d clips unfinished or without event, %d upload events missing, %d to pull",
			drainWithin, len(tasks)-finished+noEvent, len(missing), toPull)
	}
	if len(missing) > 0 {
		t.Errorf("LOST %d NewFileUpload events of accepted uploads, e.g. %v", len(missing), missing[:min(5, len(missing))])
	}
	if len(phantomClips) > 0 {
		t.Errorf("%d ClipComplete events of tasks never answered, e.g. %v", len(phantomClips), phantomClips[:min(5, len(phantomClips))])
	}
	if len(others) > 0 {
		t.Errorf("unexpected events: %v", others[:min(5, len(others))])
	}
	if kills < 10 || accepted < 50 || len(tasks) < 10 {
		t.Errorf("too little happened: %d kills, %d uploads and %d clips accepted", kills, accepted, len(tasks))
	}
	if want := 1 + uploadFiles + len(outputs); sc.files != want {
		t.Errorf("media store holds %d files, want %d (source + %d uploads + %d clips)", sc.files, want, uploadFiles, len(outputs))
	}
	if run.settle > 0 && lateLeft == 0 {
		t.Errorf("no object of a late PUT in the bucket at the loop's end (late PUTs taken: %d): the janitor's sweep was not seen at work", latePuts)
	}
	sc.assert(t)
	if !isHealthy {
		t.Errorf("/healthz not 200 on every server at the end")
	}
}
