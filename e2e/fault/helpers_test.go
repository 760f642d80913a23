// Package fault runs fault tests with real openvod processes: a crash loop
// (SIGKILL every 1–3 s while uploads, clips and events flow, on SQLite and
// PostgreSQL, and on three servers sharing PostgreSQL and an S3 bucket
// whose server is restarted too), a push receiver that is down, slow,
// answers 500 and 429, a private PostgreSQL cluster restarted while
// serving, and a full media volume. After each, the invariants are checked and printed: every
// accepted task finished exactly once, every event delivered or still
// pullable, no orphan or partial file or object, the servers healthy.
//
// The tests run as root (tmpfs mount, a PostgreSQL cluster run as the
// postgres OS user); they never skip: a missing tool fails the test with
// how to install it.
package fault

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openvod/openvod/blob/s3/s3test"
	"github.com/openvod/openvod/openvodtest"
	"github.com/openvod/openvod/vodevent"
)

// httpc is the client of PUTs and GETs.
var httpc = &http.Client{Timeout: 15 * time.Second}

// apiError returns err as an answered API error, or nil.
func apiError(err error) *vodevent.APIError {
	if e, ok := errors.AsType[*vodevent.APIError](err); ok {
		return e
	}
	return nil
}

// waitUntil polls cond every 100 ms until it holds or d passes.
func waitUntil(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
	return true
}

// healthy reports whether /healthz answers 200.
func healthy(srv *openvodtest.Server) bool {
	resp, err := (&http.Client{Timeout: 3 * time.Second}).Get(srv.URL + "/healthz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// book keeps what a run produced and what its consumer received.
type book struct {
	mu            sync.Mutex
	accepted      map[string]bool     // FileIds whose CommitUpload answered success
	known         map[string]bool     // every FileId known to exist (accepted, learned from an answer or an event)
	uploadEvents  map[string]int      // FileId → NewFileUpload events received
	clipsAccepted map[string]bool     // TaskIds ClipVideo answered
	clipEvents    map[string][]string // TaskId → output FileId of each ClipComplete received
	clipFailed    map[string]string   // TaskId → message of a failed ClipComplete
	otherEvents   []string
	uploadErrors  int // upload steps that failed (and were retried)
	// latePut makes uploadSession PUT the bytes to the upload URL again
	// after the commit, as a client's retry whose answer was lost would;
	// latePaths are the URL paths of those the URL took (S3's presigned
	// URLs take them, openvod's own answer 403).
	latePut        bool
	latePaths      []string
	clipErrors     int // ClipVideo calls that failed (and were retried)
	pulls          int
	confirmsFailed int
}

func newBook() *book {
	return &book{accepted: map[string]bool{}, known: map[string]bool{}, uploadEvents: map[string]int{},
		clipsAccepted: map[string]bool{}, clipEvents: map[string][]string{}, clipFailed: map[string]string{}}
}

// record takes one received event.
func (b *book) record(e *vodevent.EventContent) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case e.EventType == vodevent.TypeNewFileUpload && e.FileUploadEvent != nil && e.FileUploadEvent.FileId != "":
		b.uploadEvents[e.FileUploadEvent.FileId]++
		b.known[e.FileUploadEvent.FileId] = true
	case e.EventType == vodevent.TypeClipComplete && e.ClipCompleteEvent != nil && e.ClipCompleteEvent.FileInfo != nil:
		c := e.ClipCompleteEvent
		b.clipEvents[c.TaskId] = append(b.clipEvents[c.TaskId], c.FileInfo.FileId)
		if c.FileInfo.ErrCode != 0 {
			b.clipFailed[c.TaskId] = c.FileInfo.Message
		}
		if c.FileInfo.FileId != "" {
			b.known[c.FileInfo.FileId] = true
		}
	default:
		b.otherEvents = append(b.otherEvents, e.EventType)
	}
}

// missingUploads returns the accepted uploads whose event was not received.
func (b *book) missingUploads() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for id := range b.accepted {
		if b.uploadEvents[id] == 0 {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// uploadDuplicates returns the NewFileUpload events received more than once.
func (b *book) uploadDuplicates() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, c := range b.uploadEvents {
		n += c - 1
	}
	return n
}

// alreadyCommitted finds the FileId in CommitUpload's answer to a repeated
// commit ("already committed as FileId X").
var alreadyCommitted = regexp.MustCompile(`already committed as FileId (\w+)`)

// servers are the server processes of a run. Each request goes to one of
// them at random, so that a retry after a failure may reach another.
type servers struct {
	procs   []*openvodtest.Server
	clients []*vodevent.Client
}

func newServers(procs ...*openvodtest.Server) *servers {
	s := &servers{procs: procs}
	for _, p := range procs {
		s.clients = append(s.clients, p.Client())
	}
	return s
}

// client returns the client of a server picked at random.
func (s *servers) client() *vodevent.Client { return s.clients[mrand.N(len(s.clients))] }

// uploadSession runs ApplyUpload, PUT and CommitUpload of payload, each
// step on a server picked at random and retried while it fails for want of
// a server (or of the media store), so that a session whose bytes were
// stored is always committed (nothing is left for the janitor). It gives
// up when ctx ends. The FileId is returned when CommitUpload answered
// success.
func (b *book) uploadSession(ctx context.Context, srvs *servers, payload []byte, source string) (string, bool) {
	retry := func() bool {
		b.mu.Lock()
		b.uploadErrors++
		b.mu.Unlock()
		select {
		case <-ctx.Done():
			return false
		case <-time.After(50 * time.Millisecond):
			return true
		}
	}
	var applied struct{ VodSessionKey, UploadUrl string }
	for {
		err := srvs.client().Call(ctx, "ApplyUpload", map[string]any{"MediaType": "mp4", "MediaName": "fault", "SourceContext": source}, &applied)
		if err == nil {
			break
		}
		if !retry() {
			return "", false
		}
	}
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodPut, applied.UploadUrl, bytes.NewReader(payload))
		if err != nil {
			return "", false
		}
		resp, err := httpc.Do(req)
		if err == nil {
			resp.Body.Close()
			// 403 "already used": an earlier PUT stored the bytes, its answer was lost.
			if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusForbidden {
				break
			}
		}
		if !retry() {
			return "", false
		}
	}
	for {
		var committed struct{ FileId string }
		err := srvs.client().Call(ctx, "CommitUpload", map[string]any{"VodSessionKey": applied.VodSessionKey}, &committed)
		if err == nil && committed.FileId != "" {
			b.mu.Lock()
			b.accepted[committed.FileId] = true
			b.known[committed.FileId] = true
			b.mu.Unlock()
			if b.latePut {
				b.putLate(ctx, applied.UploadUrl, payload)
			}
			return committed.FileId, true
		}
		if e := apiError(err); e != nil && strings.Contains(e.Message, "already committed") {
			// An earlier commit's answer was lost: the file exists (not counted as accepted).
			if m := alreadyCommitted.FindStringSubmatch(e.Message); m != nil {
				b.mu.Lock()
				b.known[m[1]] = true
				b.mu.Unlock()
			}
			return "", false
		}
		if !retry() {
			return "", false
		}
	}
}

// putLate PUTs payload to url, an upload URL already committed, and keeps
// its path when it is taken. Whatever the URL stores must leave the
// committed file as it was, and be removed by the janitor.
func (b *book) putLate(ctx context.Context, url string, payload []byte) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, url, bytes.NewReader(payload))
	if err != nil {
		return
	}
	resp, err := httpc.Do(req)
	if err != nil {
		return
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		b.mu.Lock()
		b.latePaths = append(b.latePaths, req.URL.Path)
		b.mu.Unlock()
	}
}

// consume pulls and confirms events until ctx ends, through the servers
// in turn. A confirm that fails is retried for 20 s (the lease lasts
// 30 s), then given up: the events come back after their lease.
func (b *book) consume(ctx context.Context, srvs *servers) {
	var pullers []*vodevent.Puller
	for _, srv := range srvs.procs {
		pullers = append(pullers, &vodevent.Puller{Endpoint: srv.URL, SecretId: openvodtest.SecretID, SecretKey: openvodtest.SecretKey,
			HTTPClient: &http.Client{Timeout: 20 * time.Second}})
	}
	for turn := 0; ctx.Err() == nil; turn++ {
		p := pullers[turn%len(pullers)]
		events, err := p.PullOnce(ctx)
		if err != nil {
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
			continue
		}
		var handles []string
		for _, e := range events {
			b.record(e)
			handles = append(handles, e.EventHandle)
		}
		b.mu.Lock()
		b.pulls++
		b.mu.Unlock()
		if len(handles) == 0 {
			continue
		}
		start := time.Now()
		for try := turn; time.Since(start) < 20*time.Second; try++ {
			cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			err := pullers[try%len(pullers)].Confirm(cctx, handles)
			cancel()
			if err == nil {
				break
			}
			b.mu.Lock()
			b.confirmsFailed++
			b.mu.Unlock()
			if apiError(err) != nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// countToPull returns DescribeEventsState's CountOfEventsToPull.
func countToPull(c *vodevent.Client) (int64, error) {
	var state struct{ CountOfEventsToPull int64 }
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := c.Call(ctx, "DescribeEventsState", nil, &state)
	return state.CountOfEventsToPull, err
}

// mediaStore is a run's media store seen from outside the servers.
type mediaStore struct {
	// objects returns the keys of the objects stored.
	objects func() []string
	// partial returns the partial writes left: temporary files, multipart uploads.
	partial func() []string
	// strays returns the media files found where none belong (the servers'
	// data directories, with media on an object store).
	strays func() []string
	// scratch are the directories of Exact clips' temporary files.
	scratch []string
}

// localStore is the media store of srv's data directory: one file per
// object under media/, partial files in media/.tmp.
func localStore(t *testing.T, srv *openvodtest.Server) mediaStore {
	mediaDir := filepath.Join(srv.DataDir, "media")
	return mediaStore{
		objects: func() []string {
			var keys []string
			filepath.WalkDir(mediaDir, func(path string, d fs.DirEntry, err error) error {
				if err != nil {
					return nil
				}
				rel, _ := filepath.Rel(mediaDir, path)
				switch {
				case d.IsDir() && rel == ".tmp":
					return fs.SkipDir
				case d.IsDir() || rel == "lost+found":
					return nil
				}
				keys = append(keys, filepath.ToSlash(rel))
				return nil
			})
			return keys
		},
		partial: func() []string {
			tmp, err := os.ReadDir(filepath.Join(mediaDir, ".tmp"))
			if err != nil {
				t.Errorf("read %s/.tmp: %v", mediaDir, err)
			}
			var names []string
			for _, e := range tmp {
				names = append(names, e.Name())
			}
			return names
		},
		strays:  func() []string { return nil },
		scratch: []string{filepath.Join(srv.DataDir, "scratch")},
	}
}

// bucketStore is the media store of bucket on s3srv, under prefix (its
// servers' --storage=s3://bucket/prefix), with the servers' data and
// scratch directories.
func bucketStore(t *testing.T, s3srv *s3test.Server, bucket, prefix string, procs []*openvodtest.Server, scratch []string) mediaStore {
	return mediaStore{
		objects: func() []string {
			var keys []string
			for _, f := range s3srv.Files(t, bucket) {
				if key, ok := strings.CutPrefix(f, prefix+"/"); ok {
					keys = append(keys, key)
				}
			}
			return keys
		},
		partial: func() []string { return s3srv.Uploads(t, bucket) },
		strays: func() []string {
			var files []string
			for _, p := range procs {
				files = append(files, p.DataFiles()...)
			}
			return files
		},
		scratch: scratch,
	}
}

// storeCheck is what the media store holds against the media records.
type storeCheck struct {
	files, orphans, partial, scratch, strays int
	missing                                  []string // media records (FileIds) without their object, or not listed
	orphanNames, strayNames                  []string
}

// clean reports whether the store holds exactly the listed media's objects
// and nothing else.
func (sc storeCheck) clean() bool {
	return sc.orphans == 0 && sc.partial == 0 && sc.scratch == 0 && sc.strays == 0 && len(sc.missing) == 0
}

// checkStore lists the FileIds through srv (DescribeMediaInfos, 20 at a
// time), maps their MediaUrls to keys and compares them with the objects
// of ms: every object must belong to a listed media record, every record
// must have its object; partial writes, scratch and strays must be none.
func checkStore(t *testing.T, srv *openvodtest.Server, fileIDs []string, ms mediaStore) storeCheck {
	t.Helper()
	var sc storeCheck
	keys := map[string]bool{}
	prefix := srv.URL + "/vod/"
	for chunk := range slices.Chunk(fileIDs, 20) {
		var infos struct {
			MediaInfoSet []struct {
				FileId    string
				BasicInfo struct{ MediaUrl string }
			}
			NotExistFileIdSet []string
		}
		srv.Call(context.Background(), "DescribeMediaInfos", map[string]any{"FileIds": chunk}, &infos)
		sc.missing = append(sc.missing, infos.NotExistFileIdSet...)
		for _, m := range infos.MediaInfoSet {
			key, ok := strings.CutPrefix(m.BasicInfo.MediaUrl, prefix)
			if !ok {
				t.Errorf("MediaUrl %q of %s not under %s", m.BasicInfo.MediaUrl, m.FileId, prefix)
				continue
			}
			keys[key] = true
		}
	}
	found := map[string]bool{}
	for _, key := range ms.objects() {
		sc.files++
		found[key] = true
		if !keys[key] {
			sc.orphans++
			sc.orphanNames = append(sc.orphanNames, key)
		}
	}
	for k := range keys {
		if !found[k] {
			sc.missing = append(sc.missing, "object "+k)
		}
	}
	sc.partial = len(ms.partial())
	for _, dir := range ms.scratch {
		entries, _ := os.ReadDir(dir)
		sc.scratch += len(entries)
	}
	sc.strayNames = ms.strays()
	sc.strays = len(sc.strayNames)
	return sc
}

// assert fails t on orphan, partial, stray or missing objects.
func (sc storeCheck) assert(t *testing.T) {
	t.Helper()
	if sc.orphans > 0 {
		t.Errorf("%d orphan objects in the media store (no media record lists them), e.g. %v", sc.orphans, sc.orphanNames[:min(5, len(sc.orphanNames))])
	}
	if sc.partial > 0 {
		t.Errorf("%d partial writes left in the media store (temporary files or multipart uploads)", sc.partial)
	}
	if sc.scratch > 0 {
		t.Errorf("%d entries left in scratch", sc.scratch)
	}
	if sc.strays > 0 {
		t.Errorf("%d media files under the servers' data directories, e.g. %v", sc.strays, sc.strayNames[:min(5, len(sc.strayNames))])
	}
	if len(sc.missing) > 0 {
		t.Errorf("%d media records or objects missing, e.g. %v", len(sc.missing), sc.missing[:min(5, len(sc.missing))])
	}
}

// get returns the bytes at url.
func get(url string) ([]byte, error) {
	resp, err := httpc.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: HTTP %d", url, resp.StatusCode)
	}
	return io.ReadAll(resp.Body)
}

// dumpErrors logs the server's warnings and errors when t failed.
func dumpErrors(t *testing.T, logs ...string) {
	if !t.Failed() {
		return
	}
	var lines []string
	for gen, l := range logs {
		for line := range strings.Lines(l) {
			if strings.Contains(line, "level=ERROR") || strings.Contains(line, "level=WARN") {
				lines = append(lines, fmt.Sprintf("[process %d] %s", gen, strings.TrimSpace(line)))
			}
		}
	}
	if len(lines) > 60 {
		lines = append(lines[:30], append([]string{"..."}, lines[len(lines)-30:]...)...)
	}
	t.Logf("warnings and errors of the server processes:\n%s", strings.Join(lines, "\n"))
}
