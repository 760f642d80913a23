package benchmark

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/openvod/openvod/benchmark/measure"
	"github.com/openvod/openvod/blob/s3/s3test"
	"github.com/openvod/openvod/vodevent"
)

// storageSizes are the storage rows' inputs.
type storageSizes struct {
	uploadRuns int   // uploads of the source per server
	gets       int   // ranged GETs per delivery
	rangeSize  int64 // bytes per ranged GET
}

var (
	fullStorage  = storageSizes{uploadRuns: 3, gets: 400, rangeSize: 1 << 20}
	quickStorage = storageSizes{uploadRuns: 3, gets: 60, rangeSize: 64 << 10}
)

// getClients is the number of concurrent clients of the ranged GETs.
const getClients = 4

// storageBucket is the bucket of the S3 servers.
const storageBucket = "openvod-bench"

// storageServer is an openvod server of the storage rows with the source
// it holds.
type storageServer struct {
	*serverProc
	c                *vodevent.Client
	fileID, mediaURL string
}

// benchStorage measures media on S3 against local disk, in the same run:
// a versitygw serves a bucket to a server on S3 (SQLite database) while a
// second server keeps its media on local disk; each of ct's clips, uploads
// of src and ranged GETs run alternately on both, and each row gives the
// server's peak memory during that row. The redirect delivery is a restart
// of the S3 server on the same data directory.
func benchStorage(ctx context.Context, o Options, ss storageSizes, ct cut, clipRuns int, src, dir string, rc *receiver, logf func(string, ...any)) (rows []Row, note string, err error) {
	servers, err := launchStorage(o.Self, dir)
	if err != nil {
		return nil, "", err
	}
	defer servers.stop(&err)
	start := func(name, delivery string) (*storageServer, error) {
		s, err := servers.start(name, delivery)
		if err != nil {
			return nil, err
		}
		return s, s.c.Call(ctx, "ModifyEventConfig", map[string]any{"Mode": "PUSH", "NotificationUrl": rc.URL}, nil)
	}
	local, err := start("local", "")
	if err != nil {
		return nil, "", err
	}
	onS3, err := start("s3", "proxy")
	if err != nil {
		return nil, "", err
	}
	pair := []*storageServer{local, onS3}

	st, err := os.Stat(src)
	if err != nil {
		return nil, "", err
	}
	logf("storage: %d uploads of the source on each server", ss.uploadRuns)
	var up [2][]measure.Measurement
	peaks, err := measurePeaks(pair, func() error {
		for range ss.uploadRuns {
			for i, s := range pair {
				t0 := time.Now()
				fileID, mediaURL, err := uploadURL(ctx, s.c, src)
				if err != nil {
					return fmt.Errorf("upload: %w", err)
				}
				up[i] = append(up[i], measure.Measurement{Wall: time.Since(t0)})
				if s.fileID == "" {
					s.fileID, s.mediaURL = fileID, mediaURL
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	rateLocal := float64(st.Size()) / 1e6 / measure.Median(up[0]).Wall.Seconds()
	rateS3 := float64(st.Size()) / 1e6 / measure.Median(up[1]).Wall.Seconds()
	rows = append(rows, Row{Name: "S3 upload, presigned PUT + CommitUpload",
		Ours:     fmt.Sprintf("%.0f MB/s, server %s", rateS3, mb(peaks[1])),
		Baseline: fmt.Sprintf("PUT through openvod (local disk) %.0f MB/s, server %s", rateLocal, mb(peaks[0])),
		Ratio:    ratio(rateS3/rateLocal) + " rate, " + ratio(float64(peaks[1])/float64(peaks[0])) + " memory", Target: "—"})

	logf("storage: Fast clip %s, %d on each server", ct.name, clipRuns)
	var clips [2][]measure.Measurement
	peaks, err = measurePeaks(pair, func() error {
		for range clipRuns {
			for i, s := range pair {
				d, err := clipVideo(ctx, s.c, rc, s.fileID, ct, false)
				if err != nil {
					return fmt.Errorf("ClipVideo %s: %w", ct.name, err)
				}
				clips[i] = append(clips[i], measure.Measurement{Wall: d})
			}
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	clipLocal, clipS3 := measure.Median(clips[0]).Wall, measure.Median(clips[1]).Wall
	rows = append(rows, Row{Name: "S3 Fast clip " + ct.name + ", API request → callback",
		Ours:     msf(clipS3) + ", server " + mb(peaks[1]),
		Baseline: "local disk " + msf(clipLocal) + ", server " + mb(peaks[0]),
		Ratio:    ratio(clipS3.Seconds()/clipLocal.Seconds()) + " time, " + ratio(float64(peaks[1])/float64(peaks[0])) + " memory", Target: "—"})

	f, err := os.Open(src)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	logf("storage: %d ranged GETs through each delivery", ss.gets)
	var gets [2]getResult
	peaks, err = measurePeaks(pair, func() error {
		for i, s := range pair {
			var err error
			if gets[i], err = benchRangedGets(ctx, s.c.HTTPClient, s.mediaURL, f, st.Size(), ss); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	localGets, localPeak := gets[0], peaks[0]
	rows = append(rows, getRow("proxy", gets[1], localGets, peaks[1], localPeak, ss))

	logf("storage: the S3 server restarted with OPENVOD_MEDIA_DELIVERY=redirect")
	onS3.stop()
	servers.list = servers.list[:1]
	redirect, err := start("s3", "redirect")
	if err != nil {
		return nil, "", err
	}
	u, err := url.Parse(onS3.mediaURL)
	if err != nil {
		return nil, "", err
	}
	var redirected getResult
	peaks, err = measurePeaks([]*storageServer{redirect}, func() error {
		var err error
		redirected, err = benchRangedGets(ctx, redirect.c.HTTPClient, redirect.URL+u.Path, f, st.Size(), ss)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	rows = append(rows, getRow("redirect (followed)", redirected, localGets, peaks[0], localPeak, ss))
	return rows, storageNote(ss, clipRuns, st.Size()), nil
}

// storageServers are the openvod servers of the storage and streaming
// rows, each in a directory of its own under dir, with the versitygw that
// keeps the media of those on S3.
type storageServers struct {
	self, dir string
	gw        *s3test.Server
	s3env     []string // the environment of a server keeping its media on gw
	list      []*storageServer
}

// launchStorage starts the versitygw of the servers in dir (launchS3).
func launchStorage(self, dir string) (*storageServers, error) {
	gw, env, err := launchS3(filepath.Join(dir, "versitygw"))
	if err != nil {
		return nil, err
	}
	return &storageServers{self: self, dir: dir, gw: gw, s3env: env}, nil
}

// start starts a server (SQLite database) in the directory name: on S3
// with OPENVOD_MEDIA_DELIVERY delivery, or on local disk when delivery is
// "".
func (ss *storageServers) start(name, delivery string) (*storageServer, error) {
	var env []string
	if delivery != "" {
		env = append(slices.Clone(ss.s3env), "OPENVOD_MEDIA_DELIVERY="+delivery)
	}
	p, err := startServer(ss.self, filepath.Join(ss.dir, name), "", env...)
	if err != nil {
		return nil, err
	}
	s := &storageServer{serverProc: p, c: p.client()}
	ss.list = append(ss.list, s)
	return s, nil
}

// stop stops the servers in list, then the versitygw; when *err is set,
// it adds each server's log to it.
func (ss *storageServers) stop(err *error) {
	for _, s := range ss.list {
		if *err != nil {
			*err = fmt.Errorf("%w\nlog of the server at %s:\n%s", *err, s.DataDir, s.log())
		}
		s.stop()
	}
	ss.gw.Stop()
}

// launchS3 starts a versitygw in dir with the bucket of the storage rows
// and returns it with the environment of a server keeping its media there.
func launchS3(dir string) (*s3test.Server, []string, error) {
	gw, err := s3test.Launch(dir)
	if err != nil {
		return nil, nil, err
	}
	if _, err := gw.CreateBucket(storageBucket); err != nil {
		gw.Stop()
		return nil, nil, err
	}
	return gw, append(s3test.Env(), "OPENVOD_STORAGE=s3://"+storageBucket+"/vod", "OPENVOD_S3_ENDPOINT="+gw.Endpoint, "OPENVOD_S3_PATH_STYLE=true"), nil
}

// storageNote describes the storage rows.
func storageNote(ss storageSizes, clipRuns int, size int64) string {
	return fmt.Sprintf("S3 rows: versitygw %s (posix backend, on the same disk) on loopback serves the bucket of a server on SQLite with OPENVOD_STORAGE=s3://...; "+
		"the baseline is a second server with its media on local disk, run alternately with it in the same run. "+
		"Upload: median of %d uploads of the clip source (%s) from ApplyUpload to the CommitUpload answer (on S3: PUT to the presigned URL, then the server checks the object, parses its metadata with ranged reads and copies it into place). "+
		"Clip: median of %d, as the Fast clip rows. "+
		"Ranged GET: %d GETs of %s at random offsets of the source's media URL from %d keep-alive clients, each answer checked byte for byte; "+
		"redirect: each GET answered 302 by openvod and followed to a presigned URL of versitygw, as a player does (the URL expires, so it is not reused). "+
		"Server memory: VmHWM of the server process during that row only (reset through /proc/PID/clear_refs before it).",
		s3test.Version, ss.uploadRuns, mb(size), clipRuns, ss.gets, kib(ss.rangeSize), getClients)
}

func kib(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d KiB", n>>10)
}

// getRow is the row of one delivery's ranged GETs against local proxy.
func getRow(delivery string, g, base getResult, peak, basePeak int64, ss storageSizes) Row {
	return Row{Name: "S3 ranged GET, " + delivery,
		Ours:     g.String() + ", server " + mb(peak),
		Baseline: "local disk, proxy " + base.String() + ", server " + mb(basePeak),
		Ratio:    ratio(g.rps/base.rps) + " rate, " + ratio(float64(peak)/float64(basePeak)) + " memory", Target: "—"}
}

// measurePeaks resets the servers' peak memory, runs f and returns each
// server's peak during it.
func measurePeaks(servers []*storageServer, f func() error) ([]int64, error) {
	for _, s := range servers {
		if err := measure.ResetHWM(s.cmd.Process.Pid); err != nil {
			return nil, err
		}
	}
	if err := f(); err != nil {
		return nil, err
	}
	peaks := make([]int64, len(servers))
	for i, s := range servers {
		var err error
		if peaks[i], err = s.peakRSS(); err != nil {
			return nil, err
		}
	}
	return peaks, nil
}

// uploadURL uploads path as upload does and returns its FileId and MediaUrl.
func uploadURL(ctx context.Context, c *vodevent.Client, path string) (fileID, mediaURL string, err error) {
	session, err := applyAndPut(ctx, c, path)
	if err != nil {
		return "", "", err
	}
	var committed struct{ FileId, MediaUrl string }
	if err := c.Call(ctx, "CommitUpload", map[string]any{"VodSessionKey": session}, &committed); err != nil {
		return "", "", err
	}
	return committed.FileId, committed.MediaUrl, nil
}

// onClients calls get for each of 0..n-1 from getClients goroutines and
// returns how long all took, or the first error (the others stop).
func onClients(n int, get func(i int) error) (time.Duration, error) {
	work := make(chan int)
	errs := make(chan error, getClients)
	var wg sync.WaitGroup
	t0 := time.Now()
	for range getClients {
		wg.Go(func() {
			for i := range work {
				if err := get(i); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	go func() {
		defer close(work)
		for i := range n {
			select {
			case work <- i:
			case err := <-errs:
				errs <- err
				return
			}
		}
	}()
	wg.Wait()
	elapsed := time.Since(t0)
	select {
	case err := <-errs:
		return 0, err
	default:
	}
	return elapsed, nil
}

// getResult is the rate of a series of ranged GETs.
type getResult struct {
	rps, mbps float64
}

func (g getResult) String() string { return fmt.Sprintf("%s req/s, %.0f MB/s", num(g.rps), g.mbps) }

// benchRangedGets GETs ss.gets ranges of ss.rangeSize bytes of mediaURL from
// getClients clients, following redirects, and checks each answer against
// src, the file of size bytes that was uploaded.
func benchRangedGets(ctx context.Context, client *http.Client, mediaURL string, src io.ReaderAt, size int64, ss storageSizes) (getResult, error) {
	rng := rand.New(rand.NewPCG(1, 2))
	offs := make([]int64, ss.gets)
	for i := range offs {
		offs[i] = rng.Int64N(size - ss.rangeSize)
	}
	sums := make([]uint32, len(offs))
	bufs := make(chan []byte, getClients)
	for range getClients {
		bufs <- make([]byte, ss.rangeSize)
	}
	elapsed, err := onClients(len(offs), func(i int) error {
		buf := <-bufs
		defer func() { bufs <- buf }()
		if err := rangedGet(ctx, client, mediaURL, offs[i], buf); err != nil {
			return err
		}
		sums[i] = crc32.ChecksumIEEE(buf)
		return nil
	})
	if err != nil {
		return getResult{}, err
	}
	want := make([]byte, ss.rangeSize)
	for i, off := range offs {
		if _, err := src.ReadAt(want, off); err != nil {
			return getResult{}, err
		}
		if crc32.ChecksumIEEE(want) != sums[i] {
			return getResult{}, fmt.Errorf("GET %s at %d: the bytes differ from the source's", mediaURL, off)
		}
	}
	n := float64(len(offs))
	return getResult{rps: n / elapsed.Seconds(), mbps: n * float64(ss.rangeSize) / 1e6 / elapsed.Seconds()}, nil
}

// rangedGet fills buf with the bytes at off of mediaURL, from a 206 answer.
func rangedGet(ctx context.Context, client *http.Client, mediaURL string, off int64, buf []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, mediaURL, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", off, off+int64(len(buf))-1))
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1000))
		return fmt.Errorf("GET %s at %d: %s: %s", mediaURL, off, resp.Status, b)
	}
	if _, err := io.ReadFull(resp.Body, buf); err != nil {
		return fmt.Errorf("GET %s at %d: %w", mediaURL, off, err)
	}
	if n, _ := resp.Body.Read(make([]byte, 1)); n != 0 {
		return errors.New("GET " + mediaURL + ": more bytes than the range")
	}
	return nil
}
