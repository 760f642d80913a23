package benchmark

import (
	"bufio"
	"bytes"
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
	"strings"
	"time"

	"github.com/openvod/openvod/benchmark/measure"
	"github.com/openvod/openvod/blob/s3/s3test"
	"github.com/openvod/openvod/hls"
	"github.com/openvod/openvod/vodevent"
)

// streamingSizes are the streaming rows' inputs.
type streamingSizes struct {
	firstRuns int // fresh uploads timed to their first segment, and ffmpeg runs
	gets      int // segment GETs per server
}

var (
	fullStreaming  = streamingSizes{firstRuns: 3, gets: 400}
	quickStreaming = streamingSizes{firstRuns: 3, gets: 60}
)

// Names of the streaming rows.
const (
	rowFirstSegment = "HLS first segment after CommitUpload (on the fly)"
	rowSegmentsDisk = "HLS segment GETs, local disk"
	rowSegmentsS3   = "HLS segment GETs, S3"
)

// firstSegmentTarget is the target of the first segment row's p50.
const firstSegmentTarget = 50 * time.Millisecond

// runStreaming runs the streaming rows alone (Options.StreamingOnly).
func runStreaming(ctx context.Context, o Options, work string, logf func(string, ...any)) (*Report, error) {
	return runAlone(o, work, "streaming", logf, func(src, dir string) ([]Row, string, error) {
		return benchStreaming(ctx, o, src, dir, logf)
	})
}

// benchStreaming measures the on-the-fly HLS of src (package hls, served
// at /hls/): the time from a CommitUpload answer to the first segment,
// against ffmpeg packaging the file, and segment GETs from a server on
// local disk and one on S3 (versitygw), with each server's peak memory.
func benchStreaming(ctx context.Context, o Options, src, dir string, logf func(string, ...any)) (rows []Row, note string, err error) {
	sz := fullStreaming
	if o.Quick {
		sz = quickStreaming
	}
	set, err := launchStorage(o.Self, dir)
	if err != nil {
		return nil, "", err
	}
	defer set.stop(&err)
	local, err := set.start("local", "")
	if err != nil {
		return nil, "", err
	}
	onS3, err := set.start("s3", "proxy")
	if err != nil {
		return nil, "", err
	}
	servers := []*storageServer{local, onS3}

	logf("streaming: %d uploads, each timed from its CommitUpload answer to its first segment", sz.firstRuns)
	var first, describes, masters []measure.Measurement
	var last firstResult
	for range sz.firstRuns {
		if last, err = firstSegment(ctx, local.c, src); err != nil {
			return nil, "", err
		}
		first = append(first, measure.Measurement{Wall: last.total})
		describes = append(describes, measure.Measurement{Wall: last.describe})
		masters = append(masters, measure.Measurement{Wall: last.gets[0]})
		logf("streaming: first segment %s: DescribeMediaInfos %s, GETs of the master, variant, init and segment %v", msf(last.total), msf(last.describe), last.gets)
	}
	logf("streaming: ffmpeg -c copy -f hls, %d runs", sz.firstRuns)
	var ff []measure.Measurement
	for i := range sz.firstRuns {
		out := filepath.Join(dir, fmt.Sprintf("ffmpeg-hls-%d", i))
		if err := os.MkdirAll(out, 0o755); err != nil {
			return nil, "", err
		}
		m, err := measure.RunMeasured([]string{o.Self, "bench", "launch"}, nil, "ffmpeg", ffmpegHLSArgs(src, out)...)
		if err != nil {
			return nil, "", err
		}
		ff = append(ff, m)
		os.RemoveAll(out)
	}
	ours, theirs := measure.Median(first).Wall, measure.Median(ff).Wall
	rows = append(rows, Row{Name: rowFirstSegment, Ours: "p50 " + msf(ours) + fmt.Sprintf(" of %d (p50s: the URL's lookup %s, the master playlist, which waits for the index the commit's parse is planning, %s)", len(first), msf(measure.Median(describes).Wall), msf(measure.Median(masters).Wall)),
		Baseline: "ffmpeg -c copy -f hls (fMP4, 6 s) " + msf(theirs), Ratio: ratio(ours.Seconds() / theirs.Seconds()),
		Target: met(ours <= firstSegmentTarget, "p50 ≤ 50 ms")})

	// The segment GETs: the local server's last upload, and one on S3.
	local.mediaURL = last.masterURL
	logf("streaming: uploading the source to the server on S3")
	s3first, err := firstSegment(ctx, onS3.c, src)
	if err != nil {
		return nil, "", err
	}
	onS3.mediaURL = s3first.masterURL
	segs, err := segmentNames(ctx, local.c.HTTPClient, local.mediaURL)
	if err != nil {
		return nil, "", err
	}
	rng := rand.New(rand.NewPCG(3, 4))
	picks := make([]string, sz.gets)
	for i := range picks {
		picks[i] = segs[rng.IntN(len(segs))]
	}
	logf("streaming: %d segment GETs on each server", sz.gets)
	var res [2]segmentResult
	peaks, err := measurePeaks(servers, func() error {
		for i, s := range servers {
			var err error
			if res[i], err = getSegments(ctx, s.c.HTTPClient, s.mediaURL, picks); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	for i := range picks {
		if res[0].sums[i] != res[1].sums[i] {
			return nil, "", fmt.Errorf("segment %s: the bytes from S3 differ from local disk's", picks[i])
		}
	}
	logf("streaming: %d ranged GETs of the MP4 of the segments' mean size", sz.gets)
	f, err := os.Open(src)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, "", err
	}
	mean := res[0].bytes / int64(len(picks))
	ranged, err := benchRangedGets(ctx, local.c.HTTPClient, last.mediaURL, f, st.Size(), storageSizes{gets: sz.gets, rangeSize: mean})
	if err != nil {
		return nil, "", err
	}
	rows = append(rows,
		Row{Name: rowSegmentsDisk, Ours: res[0].String() + ", server " + mb(peaks[0]),
			Baseline: fmt.Sprintf("ranged GETs of the MP4 (%s each) %s", kib(mean), ranged), Ratio: ratio(res[0].rps/ranged.rps) + " rate", Target: "—"},
		Row{Name: rowSegmentsS3, Ours: res[1].String() + ", server " + mb(peaks[1]),
			Baseline: "local disk " + res[0].String() + ", server " + mb(peaks[0]),
			Ratio:    ratio(res[1].rps/res[0].rps) + " rate, " + ratio(float64(peaks[1])/float64(peaks[0])) + " memory", Target: "—"})
	note = fmt.Sprintf("HLS rows (package hls, on-the-fly CMAF at /hls/, 6 s target segments): first segment: %d fresh uploads of the source to a server on local disk (SQLite), each timed from the CommitUpload answer through DescribeMediaInfos (the Definition 0 URL: the URL's lookup), the master playlist, the video playlist, its init segment and its first media segment, all read whole (the commit's parse of the moov, made for the metadata, plans the index in the background and the first request waits for it; nothing is pre-packaged); p50. "+
		"Baseline: `ffmpeg -c copy -f hls -hls_segment_type fmp4 -hls_time 6 -hls_playlist_type vod` of the same file into a directory, the packaging a pre-packaging origin runs before the first play (%d runs, median). "+
		"Segment GETs: %d GETs of segments picked at random among the video and audio segments from %d keep-alive clients, index cached (the playlists were read first); the same picks on a server on local disk and one whose media are in versitygw %s on loopback (proxy delivery), their bytes compared; server memory is VmHWM during the GETs only; the local row's baseline is as many ranged GETs of the stored MP4 (/vod/, the segments' mean size, 4 clients, bytes checked) from the same server. "+
		"The machine's 2 cores are shared with other work: figures are noisy.", sz.firstRuns, sz.firstRuns, sz.gets, getClients, s3test.Version)
	return rows, note, nil
}

// ffmpegHLSArgs packages src as fMP4 HLS into out, as the first segment
// row's baseline.
func ffmpegHLSArgs(src, out string) []string {
	return []string{"-nostdin", "-y", "-v", "error", "-i", src, "-map", "0", "-c", "copy",
		"-f", "hls", "-hls_time", "6", "-hls_playlist_type", "vod", "-hls_segment_type", "fmp4",
		"-hls_segment_filename", filepath.Join(out, "seg%d.m4s"), filepath.Join(out, "index.m3u8")}
}

// firstResult is one run of firstSegment.
type firstResult struct {
	total, describe     time.Duration   // from the CommitUpload answer; DescribeMediaInfos
	gets                []time.Duration // master, variant, init, segment
	masterURL, mediaURL string          // the file's master playlist and MediaUrl
}

// firstSegment uploads src, then reads, from the CommitUpload answer on,
// its HLS URL from DescribeMediaInfos, the master playlist, the first
// variant's playlist, init segment and first media segment.
func firstSegment(ctx context.Context, c *vodevent.Client, src string) (firstResult, error) {
	session, err := applyAndPut(ctx, c, src)
	if err != nil {
		return firstResult{}, err
	}
	var committed struct{ FileId, MediaUrl string }
	if err := c.Call(ctx, "CommitUpload", map[string]any{"VodSessionKey": session}, &committed); err != nil {
		return firstResult{}, err
	}
	t0 := time.Now()
	var infos struct {
		MediaInfoSet []struct {
			AdaptiveDynamicStreamingInfo *struct {
				AdaptiveDynamicStreamingSet []struct {
					Definition int64
					Url        string
				}
			}
		}
	}
	if err := c.Call(ctx, "DescribeMediaInfos", map[string]any{"FileIds": []string{committed.FileId}}, &infos); err != nil {
		return firstResult{}, err
	}
	master := ""
	if len(infos.MediaInfoSet) == 1 && infos.MediaInfoSet[0].AdaptiveDynamicStreamingInfo != nil {
		for _, it := range infos.MediaInfoSet[0].AdaptiveDynamicStreamingInfo.AdaptiveDynamicStreamingSet {
			if it.Definition == 0 {
				master = it.Url
			}
		}
	}
	if master == "" {
		return firstResult{}, fmt.Errorf("DescribeMediaInfos of %s lists no HLS item of Definition 0", committed.FileId)
	}
	r := firstResult{masterURL: master, mediaURL: committed.MediaUrl, describe: time.Since(t0)}
	n, err := firstSegmentURL(ctx, c.HTTPClient, master, &r.gets)
	if err != nil {
		return firstResult{}, err
	}
	r.total = time.Since(t0)
	if n == 0 {
		return firstResult{}, errors.New(master + ": the first segment is empty")
	}
	return r, nil
}

// firstSegmentURL reads the master playlist at master, its first variant's
// playlist, init segment and first media segment, as a player starts; it
// appends the time of each of the 4 GETs to *steps and returns the first
// segment's size.
func firstSegmentURL(ctx context.Context, client *http.Client, master string, steps *[]time.Duration) (int, error) {
	get := func(u string) ([]byte, error) {
		t0 := time.Now()
		b, err := getBody(ctx, client, u)
		*steps = append(*steps, time.Since(t0))
		return b, err
	}
	m, err := get(master)
	if err != nil {
		return 0, err
	}
	uris, _ := playlistURIs(m)
	if len(uris) == 0 {
		return 0, errors.New(master + ": no variant")
	}
	variant, err := resolve(master, uris[0])
	if err != nil {
		return 0, err
	}
	p, err := get(variant)
	if err != nil {
		return 0, err
	}
	segs, init := playlistURIs(p)
	if len(segs) == 0 || init == "" {
		return 0, errors.New(variant + ": no init segment or no segment")
	}
	for _, u := range []string{init, segs[0]} {
		abs, err := resolve(variant, u)
		if err != nil {
			return 0, err
		}
		if p, err = get(abs); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// segmentNames returns the URLs of every media segment of every media
// playlist of the master playlist at master, relative to master.
func segmentNames(ctx context.Context, client *http.Client, master string) ([]string, error) {
	m, err := getBody(ctx, client, master)
	if err != nil {
		return nil, err
	}
	playlists, _ := playlistURIs(m)
	for _, line := range strings.Split(string(m), "\n") {
		if strings.HasPrefix(line, "#EXT-X-MEDIA:") {
			if u := attrURI(line); u != "" {
				playlists = append(playlists, u)
			}
		}
	}
	dir := master[:strings.LastIndexByte(master, '/')+1]
	var segs []string
	for _, pl := range playlists {
		abs, err := resolve(master, pl)
		if err != nil {
			return nil, err
		}
		p, err := getBody(ctx, client, abs)
		if err != nil {
			return nil, err
		}
		uris, _ := playlistURIs(p)
		for _, u := range uris {
			s, err := resolve(abs, u)
			if err != nil {
				return nil, err
			}
			rel, ok := strings.CutPrefix(s, dir)
			if !ok {
				return nil, fmt.Errorf("%s: segment %s is not under the master playlist's directory", abs, s)
			}
			segs = append(segs, rel)
		}
	}
	if len(segs) == 0 {
		return nil, errors.New(master + ": no segment")
	}
	return segs, nil
}

// segmentResult is the rate of a series of segment GETs and the CRC-32 of
// each answer.
type segmentResult struct {
	rps, mbps float64
	bytes     int64 // in all
	sums      []uint32
}

func (r segmentResult) String() string {
	return fmt.Sprintf("%s req/s, %.0f MB/s", num(r.rps), r.mbps)
}

// getSegments GETs each of picks (segment URLs relative to master, a
// master playlist URL) from getClients clients.
func getSegments(ctx context.Context, client *http.Client, master string, picks []string) (segmentResult, error) {
	res := segmentResult{sums: make([]uint32, len(picks))}
	sizes := make([]int, len(picks))
	elapsed, err := onClients(len(picks), func(i int) error {
		u, err := resolve(master, picks[i])
		if err != nil {
			return err
		}
		b, err := getBody(ctx, client, u)
		if err != nil {
			return err
		}
		res.sums[i], sizes[i] = crc32.ChecksumIEEE(b), len(b)
		return nil
	})
	if err != nil {
		return segmentResult{}, err
	}
	for _, n := range sizes {
		res.bytes += int64(n)
	}
	res.rps = float64(len(picks)) / elapsed.Seconds()
	res.mbps = float64(res.bytes) / 1e6 / elapsed.Seconds()
	return res, nil
}

// maxAnswer bounds what getBody reads: a segment's media bytes at most
// (hls.MaxSegmentBytes) and room for its moof.
const maxAnswer = hls.MaxSegmentBytes + 8<<20

// getBody GETs u and returns the body of its 200 answer.
func getBody(ctx context.Context, client *http.Client, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	// One buffer of the announced size: the client's copy as the ranged
	// GET rows' (io.ReadAll's growth would add copies to the figures).
	buf := bytes.NewBuffer(make([]byte, 0, min(max(resp.ContentLength, 0), maxAnswer)+1))
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, maxAnswer+1)); err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	b := buf.Bytes()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %.200s", u, resp.Status, b)
	}
	if len(b) > maxAnswer {
		return nil, fmt.Errorf("GET %s: more than %d bytes", u, maxAnswer)
	}
	return b, nil
}

// playlistURIs returns a playlist's URI lines and its EXT-X-MAP URI.
func playlistURIs(p []byte) (uris []string, init string) {
	sc := bufio.NewScanner(bytes.NewReader(p))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "#EXT-X-MAP:"):
			init = attrURI(line)
		case line != "" && !strings.HasPrefix(line, "#"):
			uris = append(uris, line)
		}
	}
	return uris, init
}

// attrURI returns the quoted URI attribute of a tag line.
func attrURI(line string) string {
	_, rest, ok := strings.Cut(line, `URI="`)
	if !ok {
		return ""
	}
	u, _, _ := strings.Cut(rest, `"`)
	return u
}

// resolve resolves ref against the URL base.
func resolve(base, ref string) (string, error) {
	b, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	r, err := url.Parse(ref)
	if err != nil {
		return "", err
	}
	return b.ResolveReference(r).String(), nil
}
