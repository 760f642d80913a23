package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openvod/openvod/openvodtest"
)

// TestExactReadsOnlyItsSource uploads, as an mp4, an HLS playlist whose one
// segment is a local MP4 outside the data directory carrying a unique
// marker in its metadata (ffmpeg would copy it into a clip). An Exact clip
// of the playlist fails with ErrCode 60000 and says the source is not MP4,
// and no file of the data directory holds the marker.
func TestExactReadsOnlyItsSource(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := make([]byte, 8)
	rand.Read(b)
	marker := "openvod-marker-" + hex.EncodeToString(b)
	local := filepath.Join(t.TempDir(), "local.mp4")
	gen := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=30", "-t", "3",
		"-c:v", "libx264", "-preset", "ultrafast", "-metadata", "title="+marker, "-metadata:s:v", "handler_name="+marker, local)
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s (install ffmpeg: apt-get install -y ffmpeg)", err, out)
	}
	playlist := "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:3\n#EXTINF:3.0,\nfile://" + local + "\n#EXT-X-ENDLIST\n"

	srv := openvodtest.Start(t, openvodtest.Options{})
	fileID, _ := upload(t, srv, []byte(playlist))
	var started struct{ TaskId string }
	srv.Call(ctx, "ClipVideo", map[string]any{"FileId": fileID, "StartTimeOffset": 0.5, "EndTimeOffset": 2, "Precision": "Exact"}, &started)
	d := waitClip(t, srv, started.TaskId)
	info := d.ClipTask.FileInfo
	if info == nil || info.ErrCode != 60000 || !strings.Contains(info.Message, "not an MP4 or MOV file") || info.FileId != "" || info.FileUrl != "" {
		t.Errorf("Exact clip of a playlist: %+v; want ErrCode 60000 saying the source is not MP4", info)
	}
	filepath.WalkDir(srv.DataDir, func(p string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			if data, _ := os.ReadFile(p); bytes.Contains(data, []byte(marker)) {
				t.Errorf("%s holds bytes of the local file the playlist points at", p)
			}
		}
		return nil
	})
}

// ffmpegUnder returns the pids of the processes whose command line names a
// path under dir.
func ffmpegUnder(t *testing.T, dir string) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		args := strings.Split(string(cmdline), "\x00")
		if filepath.Base(args[0]) == "ffmpeg" && strings.Contains(string(cmdline), dir+string(filepath.Separator)) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// alive reports whether the process runs: it exists and is not a zombie
// (a killed orphan waits for a reaper that a container may not have).
func alive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	_, rest, _ := bytes.Cut(stat, []byte(") "))
	return len(rest) > 0 && rest[0] != 'Z' && rest[0] != 'X'
}

// assertDiesWithin fails the test unless every pid stops running within d.
func assertDiesWithin(t *testing.T, pids []int, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for _, pid := range pids {
		for alive(pid) {
			if time.Now().After(deadline) {
				t.Fatalf("ffmpeg %d still runs %s after the server was killed", pid, d)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}
