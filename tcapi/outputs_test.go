package tcapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/blob"
	"github.com/openvod/openvod/media"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/store/storetest"
	"github.com/openvod/openvod/vodevent"
)

// outputFixture is a media file with outputs of every kind, stored as
// the processing worker stores them: blobs, then records.
type outputFixture struct {
	media   *openvod.Media
	outputs map[string]*openvod.MediaOutput // by Kind/Definition
	items   map[string]any                  // the wire item of each output
}

// newOutputFixture stores a media file with a source blob and the outputs.
func newOutputFixture(t *testing.T, b *testBundle, fileID string) *outputFixture {
	t.Helper()
	ctx := t.Context()
	meta := &vodevent.MediaMetaData{Size: 4, Container: "mov,mp4,m4a,3gp,3g2,mj2", Bitrate: 1021028, Height: 480, Width: 640,
		Duration: 60, VideoStreamSet: []vodevent.MediaVideoStreamItem{{Bitrate: 637174, Height: 480, Width: 640, Codec: "h264", Fps: 24}},
		AudioStreamSet: []vodevent.MediaAudioStreamItem{{Bitrate: 383854, SamplingRate: 48000, Codec: "aac"}}, VideoDuration: 60, AudioDuration: 59.99}
	metaJSON, _ := json.Marshal(meta)
	f := &outputFixture{media: &openvod.Media{FileID: fileID, SubAppID: openvod.DefaultSubAppID, Name: "src", Type: "mp4",
		StorageKey: "1500000001/" + fileID + "/f0.mp4", Size: 4, SourceType: "Upload", MetaData: metaJSON,
		CreateTime: b.now, UpdateTime: b.now, ExpireTime: openvod.NeverExpire},
		outputs: map[string]*openvod.MediaOutput{}, items: map[string]any{}}
	b.putBlob(t, f.media.StorageKey)
	if err := b.st.MediaInsert(ctx, f.media); err != nil {
		t.Fatal(err)
	}
	dir := "1500000001/" + fileID + "/out/"
	url := func(name string) string { return "http://vod.test/vod/" + dir + name }
	f.put(t, b, vodevent.ResultTranscode, 100210, 0, []string{"f100210.m3u8", "f100210_0.ts", "f100210_1.ts"},
		&vodevent.MediaTranscodeItem{Url: url("f100210.m3u8"), Definition: 100210, Bitrate: 464000, Height: 360, Width: 480, Size: 3000,
			Duration: 60, Container: "hls,applehttp", VideoStreamSet: []vodevent.MediaVideoStreamItem{{Bitrate: 400000, Height: 360, Width: 480, Codec: "h264", Fps: 25}},
			AudioStreamSet: []vodevent.MediaAudioStreamItem{{Bitrate: 64000, SamplingRate: 44100, Codec: "aac"}}, DigitalWatermarkType: "None"})
	f.put(t, b, vodevent.ResultTranscode, 100010, 0, []string{"f100010.mp4"},
		&vodevent.MediaTranscodeItem{Url: url("f100010.mp4"), Definition: 100010, Bitrate: 464000, Height: 360, Width: 480, Size: 1000,
			Duration: 60, Container: "mov,mp4,m4a,3gp,3g2,mj2", VideoStreamSet: []vodevent.MediaVideoStreamItem{},
			AudioStreamSet: []vodevent.MediaAudioStreamItem{}, DigitalWatermarkType: "None"})
	f.put(t, b, vodevent.ResultAdaptiveDynamicStreaming, 10, 0, []string{"adp.10/master.m3u8", "adp.10/0.m3u8", "adp.10/0_0.ts"},
		&vodevent.AdaptiveDynamicStreamingInfoItem{Definition: 10, Package: "HLS", Url: url("adp.10/master.m3u8"), Size: 300,
			DigitalWatermarkType: "None", SubStreamSet: []vodevent.MediaSubStreamInfoItem{{Type: "video", Width: 426, Height: 240, Size: 200}},
			SubtitleSet: []json.RawMessage{}})
	f.put(t, b, vodevent.ResultAdaptiveDynamicStreaming, 20, 0, []string{"adp.20/manifest.mpd", "adp.20/init.m4s", "adp.20/chunk1.m4s"},
		&vodevent.AdaptiveDynamicStreamingInfoItem{Definition: 20, Package: "DASH", Url: url("adp.20/manifest.mpd"), Size: 300,
			DigitalWatermarkType: "None", SubStreamSet: []vodevent.MediaSubStreamInfoItem{}, SubtitleSet: []json.RawMessage{}})
	f.put(t, b, vodevent.ResultSnapshotByTimeOffset, 10, 0, []string{"snap/0.jpg", "snap/1000.jpg"},
		&vodevent.MediaSnapshotByTimeOffsetItem{Definition: 10, PicInfoSet: []vodevent.MediaSnapshotByTimePicInfoItem{
			{TimeOffset: 0, Url: url("snap/0.jpg"), WaterMarkDefinition: []int64{}}, {TimeOffset: 1000, Url: url("snap/1000.jpg"), WaterMarkDefinition: []int64{}}}})
	f.put(t, b, vodevent.ResultSampleSnapshot, 10, 0, []string{"sample/0.jpg", "sample/1.jpg"},
		&vodevent.MediaSampleSnapshotItem{Definition: 10, SampleType: "Percent", Interval: 10,
			ImageUrlSet: []string{url("sample/0.jpg"), url("sample/1.jpg")}, WaterMarkDefinition: []int64{}})
	f.put(t, b, vodevent.ResultImageSprites, 10, 0, []string{"sprite/0.jpg", "sprite/sprite.vtt"},
		&vodevent.MediaImageSpriteItem{Definition: 10, Height: 80, Width: 142, TotalCount: 6, ImageUrlSet: []string{url("sprite/0.jpg")}, WebVttUrl: url("sprite/sprite.vtt")})
	f.put(t, b, vodevent.ResultAnimatedGraphics, 20000, 0, []string{"f20000.gif"},
		&vodevent.MediaAnimatedGraphicsItem{Url: url("f20000.gif"), Definition: 20000, Container: "gif", Height: 480, Width: 640,
			Bitrate: 1000, Size: 600, StartTimeOffset: 10, EndTimeOffset: 15})
	// Three covers: the newest, neither first nor last, is the media's.
	f.put(t, b, vodevent.ResultCoverBySnapshot, 10, 0, []string{"cover.10.jpg"}, &vodevent.CoverBySnapshotTaskOutput{CoverUrl: url("cover.10.jpg")})
	f.put(t, b, vodevent.ResultCoverBySnapshot, 20, 2*time.Minute, []string{"cover.20.jpg"}, &vodevent.CoverBySnapshotTaskOutput{CoverUrl: url("cover.20.jpg")})
	f.put(t, b, vodevent.ResultCoverBySnapshot, 1001, time.Minute, []string{"cover.1001.jpg"}, &vodevent.CoverBySnapshotTaskOutput{CoverUrl: url("cover.1001.jpg")})
	return f
}

// put stores the blobs names (under the fixture's output directory) and
// the output record of item, made after at the bundle's time.
func (f *outputFixture) put(t *testing.T, b *testBundle, kind string, definition int64, after time.Duration, names []string, item any) {
	t.Helper()
	raw, err := vodevent.Marshal(item)
	if err != nil {
		t.Fatal(err)
	}
	o := &openvod.MediaOutput{SubAppID: f.media.SubAppID, FileID: f.media.FileID, Kind: kind, Definition: definition,
		Item: raw, TaskID: "1500000001-procedurev2-0123", CreateTime: b.now.Add(after)}
	for _, n := range names {
		o.Keys = append(o.Keys, "1500000001/"+f.media.FileID+"/out/"+n)
		b.putBlob(t, o.Keys[len(o.Keys)-1])
	}
	if _, err := b.st.MediaOutputPut(t.Context(), o); err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprintf("%s/%d", kind, definition)
	f.outputs[id], f.items[id] = o, item
}

// blobBytes are the bytes putBlob stores under key.
func blobBytes(key string) []byte { return bytes.Repeat([]byte(key+"|"), 50) }

// putBlob stores blobBytes(key) under key.
func (b *testBundle) putBlob(t *testing.T, key string) {
	t.Helper()
	if _, err := b.blobs.Put(t.Context(), key, bytes.NewReader(blobBytes(key)), 0); err != nil {
		t.Fatal(err)
	}
}

// checkBlobs fails t unless each key of kept holds its bytes, byte for
// byte, and each key of gone holds nothing.
func (b *testBundle) checkBlobs(t *testing.T, kept, gone []string) {
	t.Helper()
	for _, k := range kept {
		o, err := b.blobs.Open(t.Context(), k)
		if err != nil {
			t.Errorf("kept %s: %v", k, err)
			continue
		}
		var buf bytes.Buffer
		buf.ReadFrom(o)
		o.Close()
		if !bytes.Equal(buf.Bytes(), blobBytes(k)) {
			t.Errorf("kept %s holds %d other bytes", k, buf.Len())
		}
	}
	for _, k := range gone {
		if _, err := b.blobs.Stat(t.Context(), k); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("removed %s: Stat = %v, want ErrNotFound", k, err)
		}
	}
}

// keysOf returns the keys of the fixture's outputs ids.
func (f *outputFixture) keysOf(ids ...string) []string {
	var keys []string
	for _, id := range ids {
		keys = append(keys, f.outputs[id].Keys...)
	}
	return keys
}

// describe returns the MediaInfo members of the one file DescribeMediaInfos
// answers for body, and its keys in order.
func (b *testBundle) describe(t *testing.T, body string) (map[string]json.RawMessage, []string) {
	t.Helper()
	_, out := b.do(t, "DescribeMediaInfos", body, nil)
	var resp struct {
		Response struct {
			MediaInfoSet []json.RawMessage
			Error        *struct{ Code string }
		}
	}
	if err := json.Unmarshal(out, &resp); err != nil || resp.Response.Error != nil || len(resp.Response.MediaInfoSet) != 1 {
		t.Fatalf("DescribeMediaInfos %s: %s", body, out)
	}
	raw := resp.Response.MediaInfoSet[0]
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.Token()
	var keys []string
	for dec.More() {
		k, _ := dec.Token()
		keys = append(keys, k.(string))
		var skip json.RawMessage
		dec.Decode(&skip)
	}
	return members, keys
}

// wantJSON fails t unless got is the wire form of want.
func wantJSON(t *testing.T, what string, got json.RawMessage, want any) {
	t.Helper()
	w, err := vodevent.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, w) {
		t.Errorf("%s:\n got %s\nwant %s", what, got, w)
	}
}

// original is the TranscodeSet item of the fixture's source.
func (f *outputFixture) original() *vodevent.MediaTranscodeItem {
	m := media.MetaData(f.media)
	return &vodevent.MediaTranscodeItem{Url: "http://vod.test/vod/" + f.media.StorageKey, Bitrate: m.Bitrate, Height: m.Height,
		Width: m.Width, Size: m.Size, Duration: m.Duration, Container: m.Container, VideoStreamSet: m.VideoStreamSet,
		AudioStreamSet: m.AudioStreamSet, DigitalWatermarkType: "None"}
}

// TestDescribeMediaInfosOutputs: every info is filled from the outputs in
// the SDK's order (TranscodeSet: the original first; AdaptiveDynamicStreamingSet:
// the on-the-fly HLS of an H.264/AAC MP4 first), the newest cover is
// the CoverUrl, a media without outputs has only the original, and
// Filters pick the infos.
func TestDescribeMediaInfosOutputs(t *testing.T) {
	t.Parallel()
	storetest.OnBackends(t, func(t *testing.T, st store.Store) {
		b := setupStore(t, st)
		f := newOutputFixture(t, b, "5285890000000000011")
		bare := &openvod.Media{FileID: "5285890000000000012", SubAppID: openvod.DefaultSubAppID, Name: "bare", Type: "mp4",
			StorageKey: "1500000001/bare/f0.mp4", Size: 9, SourceType: "Upload", CreateTime: b.now, UpdateTime: b.now}
		if err := b.st.MediaInsert(t.Context(), bare); err != nil {
			t.Fatal(err)
		}

		info, keys := b.describe(t, `{"FileIds":["`+f.media.FileID+`"]}`)
		if want := append(slices.Clone(mediaInfoKeys), "MetaDataError"); !slices.Equal(keys, want) {
			t.Errorf("MediaInfo keys %v, want %v", keys, want)
		}
		var basic vodevent.MediaBasicInfo
		json.Unmarshal(info["BasicInfo"], &basic)
		if want := "http://vod.test/vod/1500000001/" + f.media.FileID + "/out/cover.20.jpg"; basic.CoverUrl != want {
			t.Errorf("CoverUrl %q, want the newest cover %q", basic.CoverUrl, want)
		}
		wantJSON(t, "TranscodeInfo", info["TranscodeInfo"], &media.MediaTranscodeInfo{TranscodeSet: []*vodevent.MediaTranscodeItem{
			f.original(), f.items["Transcode/100010"].(*vodevent.MediaTranscodeItem), f.items["Transcode/100210"].(*vodevent.MediaTranscodeItem)}})
		wantJSON(t, "AdaptiveDynamicStreamingInfo", info["AdaptiveDynamicStreamingInfo"], &media.MediaAdaptiveDynamicStreamingInfo{
			AdaptiveDynamicStreamingSet: []*vodevent.AdaptiveDynamicStreamingInfoItem{
				{Definition: 0, Package: "HLS", Url: "http://vod.test/hls/" + f.media.StorageKey + "/master.m3u8", DigitalWatermarkType: "None",
					SubStreamSet: []vodevent.MediaSubStreamInfoItem{{Type: "video", Width: 640, Height: 480}}, SubtitleSet: []json.RawMessage{}},
				f.items["AdaptiveDynamicStreaming/10"].(*vodevent.AdaptiveDynamicStreamingInfoItem),
				f.items["AdaptiveDynamicStreaming/20"].(*vodevent.AdaptiveDynamicStreamingInfoItem)}})
		wantJSON(t, "SnapshotByTimeOffsetInfo", info["SnapshotByTimeOffsetInfo"], &media.MediaSnapshotByTimeOffsetInfo{
			SnapshotByTimeOffsetSet: []*vodevent.MediaSnapshotByTimeOffsetItem{f.items["SnapshotByTimeOffset/10"].(*vodevent.MediaSnapshotByTimeOffsetItem)}})
		wantJSON(t, "SampleSnapshotInfo", info["SampleSnapshotInfo"], &media.MediaSampleSnapshotInfo{
			SampleSnapshotSet: []*vodevent.MediaSampleSnapshotItem{f.items["SampleSnapshot/10"].(*vodevent.MediaSampleSnapshotItem)}})
		wantJSON(t, "ImageSpriteInfo", info["ImageSpriteInfo"], &media.MediaImageSpriteInfo{
			ImageSpriteSet: []*vodevent.MediaImageSpriteItem{f.items["ImageSprites/10"].(*vodevent.MediaImageSpriteItem)}})
		wantJSON(t, "AnimatedGraphicsInfo", info["AnimatedGraphicsInfo"], &media.MediaAnimatedGraphicsInfo{
			AnimatedGraphicsSet: []*vodevent.MediaAnimatedGraphicsItem{f.items["AnimatedGraphics/20000"].(*vodevent.MediaAnimatedGraphicsItem)}})
		if got := string(info["TranscodeInfo"]); !bytes.HasPrefix(info["TranscodeInfo"], []byte(`{"TranscodeSet":[{"Url":"http://vod.test/vod/1500000001/`+f.media.FileID+`/f0.mp4","Definition":0,"Bitrate":1021028,"Height":480,"Width":640,"Size":4,"Duration":60,"Md5":"","Container":"mov,mp4,m4a,3gp,3g2,mj2","VideoStreamSet":[{"Bitrate":637174`)) {
			t.Errorf("TranscodeInfo starts %.200s", got)
		}

		info, _ = b.describe(t, `{"FileIds":["`+bare.FileID+`"]}`)
		wantJSON(t, "TranscodeInfo without outputs", info["TranscodeInfo"], &media.MediaTranscodeInfo{TranscodeSet: []*vodevent.MediaTranscodeItem{{
			Url: "http://vod.test/vod/" + bare.StorageKey, Size: 9, VideoStreamSet: []vodevent.MediaVideoStreamItem{},
			AudioStreamSet: []vodevent.MediaAudioStreamItem{}, DigitalWatermarkType: "None"}}})
		for _, k := range []string{"AdaptiveDynamicStreamingInfo", "SnapshotByTimeOffsetInfo", "SampleSnapshotInfo", "ImageSpriteInfo", "AnimatedGraphicsInfo"} {
			if string(info[k]) != "null" {
				t.Errorf("%s of a media without outputs = %s, want null", k, info[k])
			}
		}
		json.Unmarshal(info["BasicInfo"], &basic)
		if basic.CoverUrl != "" {
			t.Errorf("CoverUrl of a media without covers = %q", basic.CoverUrl)
		}

		info, _ = b.describe(t, `{"FileIds":["`+f.media.FileID+`"],"Filters":["imageSpriteInfo","adaptiveDynamicStreamingInfo"]}`)
		for k, v := range info {
			if isSet := string(v) != "null"; isSet != (k == "ImageSpriteInfo" || k == "AdaptiveDynamicStreamingInfo" || k == "FileId" || k == "MetaDataError") {
				t.Errorf("Filters imageSpriteInfo, adaptiveDynamicStreamingInfo: %s = %.80s", k, v)
			}
		}
	})
}

// events returns the bodies of the app's events.
func (b *testBundle) events(t *testing.T) [][]byte {
	t.Helper()
	all, err := b.st.EventList(t.Context(), &store.EventListParams{SubAppID: openvod.DefaultSubAppID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var bodies [][]byte
	for _, e := range all {
		bodies = append(bodies, e.Body)
	}
	return bodies
}

// wantEvent fails t unless body is the golden event of vodevent's testdata
// name, whose FileId is goldenID, for fileID.
func wantEvent(t *testing.T, body []byte, name, goldenID, fileID string) {
	t.Helper()
	golden, err := os.ReadFile(filepath.Join("..", "vodevent", "testdata", name+".golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := bytes.ReplaceAll(bytes.TrimSuffix(golden, []byte("\n")), []byte(goldenID), []byte(fileID))
	if !bytes.Equal(body, want) {
		t.Errorf("event\n got %s\nwant %s", body, want)
	}
}

// TestDeleteMediaParts: DeleteParts removes exactly the outputs named
// (records and bytes), TranscodeFiles of any Definition with every cover;
// the FileDeleted event (when switched on) lists the parts that removed
// files; parts that remove nothing make no event; OriginalFiles deletes
// everything.
func TestDeleteMediaParts(t *testing.T) {
	t.Parallel()
	storetest.OnBackends(t, func(t *testing.T, st store.Store) {
		b := setupStore(t, st)
		ctx := t.Context()
		f := newOutputFixture(t, b, "5285890000000000021")
		id := f.media.FileID
		deleteParts := func(parts string) {
			t.Helper()
			if _, out := b.do(t, "DeleteMedia", `{"FileId":"`+id+`","DeleteParts":`+parts+`}`, nil); errorCode(t, out) != "" {
				t.Fatalf("DeleteMedia %s: %s", parts, out)
			}
		}
		kinds := func() []string {
			t.Helper()
			outs, err := b.st.MediaOutputList(ctx, openvod.DefaultSubAppID, []string{id})
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, o := range outs {
				ids = append(ids, fmt.Sprintf("%s/%d", o.Kind, o.Definition))
			}
			return ids
		}
		others := []string{"SnapshotByTimeOffset/10", "SampleSnapshot/10", "ImageSprites/10", "AnimatedGraphics/20000"}

		// Switch off: removed, no event.
		deleteParts(`[{"Type":"AdaptiveDynamicStreamingFiles","Definition":10}]`)
		if got, want := kinds(), []string{"AdaptiveDynamicStreaming/20", "AnimatedGraphics/20000", "CoverBySnapshot/10", "CoverBySnapshot/20", "CoverBySnapshot/1001",
			"ImageSprites/10", "SampleSnapshot/10", "SnapshotByTimeOffset/10", "Transcode/100010", "Transcode/100210"}; !slices.Equal(got, want) {
			t.Errorf("outputs after deleting ADS 10: %v, want %v", got, want)
		}
		b.checkBlobs(t, append(f.keysOf("AdaptiveDynamicStreaming/20", "Transcode/100010"), f.media.StorageKey), f.keysOf("AdaptiveDynamicStreaming/10"))
		// One transcode's Definition: that transcode and every cover.
		deleteParts(`[{"Type":"TranscodeFiles","Definition":100010}]`)
		if got, want := kinds(), []string{"AdaptiveDynamicStreaming/20", "AnimatedGraphics/20000",
			"ImageSprites/10", "SampleSnapshot/10", "SnapshotByTimeOffset/10", "Transcode/100210"}; !slices.Equal(got, want) {
			t.Errorf("outputs after deleting transcode 100010: %v, want %v", got, want)
		}
		b.checkBlobs(t, f.keysOf("Transcode/100210"), f.keysOf("Transcode/100010", "CoverBySnapshot/10", "CoverBySnapshot/20", "CoverBySnapshot/1001"))
		if ev := b.events(t); len(ev) != 0 {
			t.Errorf("events with the switch off: %s", ev)
		}

		if err := b.st.EventConfigPut(ctx, &openvod.EventConfig{SubAppID: openvod.DefaultSubAppID, Mode: openvod.EventModePull,
			DeleteMediaComplete: true, UpdateTime: b.now}); err != nil {
			t.Fatal(err)
		}
		deleteParts(`[{"Type":"TranscodeFiles","Definition":0},{"Type":"TranscodeFiles","Definition":100210},{"Type":"WechatPublishFiles"}]`)
		if got, want := kinds(), []string{"AdaptiveDynamicStreaming/20", "AnimatedGraphics/20000",
			"ImageSprites/10", "SampleSnapshot/10", "SnapshotByTimeOffset/10"}; !slices.Equal(got, want) {
			t.Errorf("outputs after deleting TranscodeFiles: %v, want %v", got, want)
		}
		b.checkBlobs(t, append(f.keysOf(others...), f.keysOf("AdaptiveDynamicStreaming/20")...), f.keysOf("Transcode/100210"))
		ev := b.events(t)
		if len(ev) != 1 {
			t.Fatalf("%d events after DeleteMedia TranscodeFiles, want 1", len(ev))
		}
		wantEvent(t, ev[0], "file_deleted_parts", "24961954183381008", id)
		info, _ := b.describe(t, `{"FileIds":["`+id+`"],"Filters":["basicInfo","transcodeInfo"]}`)
		wantJSON(t, "TranscodeInfo after deleting TranscodeFiles", info["TranscodeInfo"], &media.MediaTranscodeInfo{
			TranscodeSet: []*vodevent.MediaTranscodeItem{f.original()}})
		var basic vodevent.MediaBasicInfo
		json.Unmarshal(info["BasicInfo"], &basic)
		if basic.CoverUrl != "" {
			t.Errorf("CoverUrl after deleting TranscodeFiles = %q", basic.CoverUrl)
		}

		// Nothing left to remove: no event.
		deleteParts(`[{"Type":"TranscodeFiles","Definition":0},{"Type":"AdaptiveDynamicStreamingFiles","Definition":10},{"Type":"WechatMiniProgramPublishFiles"}]`)
		if ev := b.events(t); len(ev) != 1 {
			t.Errorf("%d events after a DeleteMedia that removed nothing, want 1", len(ev))
		}

		for _, tc := range []struct{ body, code string }{
			{`{"FileId":"5285890000000000999","DeleteParts":[{"Type":"TranscodeFiles","Definition":0}]}`, "ResourceNotFound.FileNotExist"},
			{`{"FileId":"` + id + `","DeleteParts":[{"Type":"CoverFiles","Definition":0}]}`, "InvalidParameterValue"},
			{`{"FileId":"` + id + `","DeleteParts":[{"Type":"TranscodeFiles","Definition":-1}]}`, "InvalidParameterValue"},
			{`{"FileId":"` + id + `","DeleteParts":[` + strings.Repeat(`{"Type":"TranscodeFiles"},`, MaxDeleteParts) + `{"Type":"TranscodeFiles"}]}`, "InvalidParameterValue"},
		} {
			if _, out := b.do(t, "DeleteMedia", tc.body, nil); errorCode(t, out) != tc.code {
				t.Errorf("DeleteMedia %s: %s, want %s", tc.body, out, tc.code)
			}
		}
		if got := kinds(); len(got) != 5 {
			t.Errorf("outputs after refused DeleteMedia: %v", got)
		}

		deleteParts(`[{"Type":"AdaptiveDynamicStreamingFiles","Definition":20},{"Type":"OriginalFiles"}]`)
		b.checkBlobs(t, nil, append(f.keysOf(others...), append(f.keysOf("AdaptiveDynamicStreaming/20"), f.media.StorageKey)...))
		if got := kinds(); len(got) != 0 {
			t.Errorf("outputs after OriginalFiles: %v", got)
		}
		if ev := b.events(t); len(ev) != 2 {
			t.Errorf("%d events after OriginalFiles, want 2", len(ev))
		} else {
			wantEvent(t, ev[1], "file_deleted", "5285890784273533167", id)
		}
	})
}
