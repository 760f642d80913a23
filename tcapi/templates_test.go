package tcapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestTemplatesFlatParams creates and modifies a transcode template with
// flattened API v1 parameters (nested members as VideoTemplate.Codec=...):
// Modify changes only the nested keys it names.
func TestTemplatesFlatParams(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := b.v1Params("CreateTranscodeTemplate", "HmacSHA256")
	for k, v := range map[string]string{"Container": "mp4", "Name": "flat", "VideoTemplate.Codec": "libx264",
		"VideoTemplate.Fps": "25", "VideoTemplate.Bitrate": "800", "VideoTemplate.Height": "480",
		"AudioTemplate.Codec": "libfdk_aac", "AudioTemplate.Bitrate": "64", "AudioTemplate.SampleRate": "44100"} {
		p[k] = v
	}
	var created struct{ Response struct{ Definition int64 } }
	if out := b.sendV1(t, http.MethodPost, "secret", p); json.Unmarshal(out, &created) != nil || created.Response.Definition != 1000001 {
		t.Fatalf("create: %s", out)
	}
	p = b.v1Params("ModifyTranscodeTemplate", "HmacSHA256")
	p["Definition"], p["VideoTemplate.Bitrate"], p["AudioTemplate.AudioChannel"] = "1000001", "900", "1"
	if out := b.sendV1(t, http.MethodGet, "secret", p); errorCode(t, out) != "" {
		t.Fatalf("modify: %s", out)
	}
	p = b.v1Params("ModifyTranscodeTemplate", "HmacSHA256")
	p["Definition"], p["VideoTemplate.Fps"] = "1000001", "fast"
	if out := b.sendV1(t, http.MethodGet, "secret", p); errorCode(t, out) != "InvalidParameter" {
		t.Errorf("modify with a string Fps: %s", out)
	}
	_, out := b.do(t, "DescribeTranscodeTemplates", `{"Definitions":[1000001]}`, nil)
	want := `{"Response":{"TotalCount":1,"TranscodeTemplateSet":[{"Definition":"1000001","Container":"mp4","Name":"flat","Comment":"","Type":"Custom","RemoveVideo":0,"RemoveAudio":0,` +
		`"VideoTemplate":{"Codec":"libx264","Fps":25,"Bitrate":900,"ResolutionAdaptive":"open","Width":0,"Height":480,"FillType":"black","Vcrf":0,"Gop":0,"GopUnit":"frame","PreserveHDRSwitch":"OFF","CodecTag":"","Mode":"VBR","Bframes":0,"HlsTime":0,"VideoProfile":""},` +
		`"AudioTemplate":{"Codec":"libfdk_aac","Bitrate":64,"SampleRate":44100,"AudioChannel":1},"TEHDConfig":{"Type":"OFF","MaxVideoBitrate":0},"EnhanceConfig":null,"ContainerType":"Video",` +
		`"CreateTime":"2026-11-28T08:00:00Z","UpdateTime":"2026-11-28T08:00:00Z","SegmentType":"","StdExtInfo":""}],"RequestId":"`
	if !strings.HasPrefix(string(out), want) {
		t.Errorf("describe:\ngot  %s\nwant %s…", out, want)
	}
	for body, code := range map[string]string{
		`{"ContainerType":"Audio"}`: "InvalidParameterValue.ContainerType",
		`{"TEHDType":"tehd"}`:       "InvalidParameterValue.TEHDType",
		`{"Offset":-1}`:             "InvalidParameterValue.Offset",
		`{"Definitions":[10,7]}`:    "ResourceNotFound.TemplateNotExist",
	} {
		if _, out := b.do(t, "DescribeTranscodeTemplates", body, nil); errorCode(t, out) != code {
			t.Errorf("DescribeTranscodeTemplates %s: %s, want %s", body, out, code)
		}
	}
	if _, out := b.do(t, "DescribeImageSpriteTemplates", `{"ContainerType":"Video"}`, nil); errorCode(t, out) != "UnknownParameter" {
		t.Errorf("DescribeImageSpriteTemplates with ContainerType: %s", out)
	}
	for body, code := range map[string]string{
		`{"Definition":1000001,"Type":"Preset"}`:        "UnknownParameter",
		`{"Definition":1000001,"CreateTime":"x"}`:       "UnknownParameter",
		`{"Definition":1000001,"DrmType":"SimpleAES"}`:  "UnknownParameter",
		`{"Name":"no definition"}`:                      "MissingParameter",
		`{"Definition":"x"}`:                            "InvalidParameter",
		`{"Definition":1000001,"Container":"avi"}`:      "InvalidParameterValue.Container",
		`{"Definition":100010,"Name":"preset"}`:         "ResourceNotFound.TemplateNotExist",
		`{"Definition":1000002,"Name":"not yet there"}`: "ResourceNotFound.TemplateNotExist",
	} {
		if _, out := b.do(t, "ModifyTranscodeTemplate", body, nil); errorCode(t, out) != code {
			t.Errorf("ModifyTranscodeTemplate %s: %s, want %s", body, out, code)
		}
	}
}
