package media

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/openvod/openvod/hls"
)

// TestServeHLSClip: the clipped playlists are served under clip/<range>/
// with their own ETags, the master playlist as the source's; malformed
// ranges, segments under the clip and ranges playing nothing are 404.
func TestServeHLSClip(t *testing.T) {
	b := setup(t, 1<<30)
	m := b.commitMedia(t, fixtureBytes(t, "h264_aac_faststart.mp4"))
	ix, obj, _, err := b.svc.OpenHLS(t.Context(), m.StorageKey)
	if err != nil {
		t.Fatal(err)
	}
	obj.Close()
	r := hls.ClipRange{Start: 100, End: 900}
	url := b.svc.HLSClipURL(m.StorageKey, r, "t1.m3u8")
	if want := b.srv.URL + HLSPathPrefix + m.StorageKey + "/clip/100-900/t1.m3u8"; url != want {
		t.Fatalf("HLSClipURL = %s, want %s", url, want)
	}
	want, err := ix.ClipFile(r, "t1.m3u8")
	if err != nil {
		t.Fatal(err)
	}
	resp, body := hlsGet(t, http.MethodGet, url)
	if resp.StatusCode != http.StatusOK || !bytes.Equal(body, want) || resp.Header.Get("Content-Type") != "application/vnd.apple.mpegurl" {
		t.Fatalf("GET %s = %d %v\n%s", url, resp.StatusCode, resp.Header, body)
	}
	full, _ := hlsGet(t, http.MethodGet, b.srv.URL+HLSPathPrefix+m.StorageKey+"/t1.m3u8")
	if resp.Header.Get("ETag") == full.Header.Get("ETag") {
		t.Errorf("the clip's playlist has the source playlist's ETag")
	}
	master, body := hlsGet(t, http.MethodGet, b.svc.HLSClipURL(m.StorageKey, r, hls.MasterName))
	if master.StatusCode != http.StatusOK || !bytes.Equal(body, ix.Master()) {
		t.Errorf("clip master = %d\n%s", master.StatusCode, body)
	}
	base := b.srv.URL + HLSPathPrefix + m.StorageKey + "/clip/"
	for _, p := range []string{"100-900/t1/0.m4s", "100-900/t1/init.mp4", "900-100/t1.m3u8", "0100-900/t1.m3u8", "100-900/t9.m3u8",
		"100/t1.m3u8", "99000000-99000001/t1.m3u8", "t1.m3u8"} {
		if resp, _ := hlsGet(t, http.MethodGet, base+p); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET clip/%s = %d, want 404", p, resp.StatusCode)
		}
	}
}
