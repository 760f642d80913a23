package tcapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/openvod/openvod/media"
)

// solidPNG returns a w×h PNG of colour c.
func solidPNG(t *testing.T, w, h int, c color.Color) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// served returns the status and body of a media GET of url (ServeMedia
// on the bundle's store and media store).
func (b *testBundle) served(t *testing.T, url string) (int, []byte) {
	t.Helper()
	svc := &media.Service{Store: b.st, Blobs: b.blobs, Logger: slog.New(slog.DiscardHandler)}
	rec := httptest.NewRecorder()
	svc.ServeMedia(rec, httptest.NewRequest(http.MethodGet, strings.TrimPrefix(url, "http://vod.test"), nil))
	body, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, body
}

// TestWatermarkTemplates creates, describes, modifies and deletes image
// and text watermark templates: the image is stored, served at ImageUrl
// while the template refers to it, and replaced by a Modify.
func TestWatermarkTemplates(t *testing.T) {
	t.Parallel()
	b := setup(t)
	red := solidPNG(t, 20, 10, color.RGBA{255, 0, 0, 255})
	b64 := base64.StdEncoding.EncodeToString
	var created struct {
		Response struct {
			Definition int64
			ImageUrl   string
		}
	}
	_, out := b.do(t, "CreateWatermarkTemplate", `{"Type":"image","Name":"logo","CoordinateOrigin":"TopRight","XPos":"10px","YPos":"5%",`+
		`"ImageTemplate":{"ImageContent":"`+b64(red)+`","Width":"20%","Transparency":30}}`, nil)
	if json.Unmarshal(out, &created) != nil || created.Response.Definition != 1000001 ||
		!strings.HasPrefix(created.Response.ImageUrl, "http://vod.test/vod/1500000001/") || !strings.HasSuffix(created.Response.ImageUrl, "/f0.png") {
		t.Fatalf("create image: %s", out)
	}
	imageURL := created.Response.ImageUrl
	if code, body := b.served(t, imageURL); code != http.StatusOK || !bytes.Equal(body, red) {
		t.Errorf("GET ImageUrl: %d, %d bytes, want the %d bytes of the PNG", code, len(body), len(red))
	}
	_, out = b.do(t, "CreateWatermarkTemplate", `{"Type":"text","Comment":"c","TextTemplate":{"FontType":"simkai.ttf","FontSize":"24px","FontColor":"0x00ff00","FontAlpha":0.5}}`, nil)
	if json.Unmarshal(out, &created) != nil || created.Response.Definition != 1000002 || created.Response.ImageUrl != "" {
		t.Fatalf("create text: %s", out)
	}

	_, out = b.do(t, "DescribeWatermarkTemplates", `{}`, nil)
	want := `{"Response":{"TotalCount":2,"WatermarkTemplateSet":[` +
		`{"Definition":1000001,"Type":"image","Name":"logo","Comment":"","XPos":"10px","YPos":"5%",` +
		`"ImageTemplate":{"ImageUrl":"` + imageURL + `","Width":"20%","Height":"0px","RepeatType":"repeat","Transparency":30},"TextTemplate":null,"SvgTemplate":null,` +
		`"CreateTime":"2026-11-28T08:00:00Z","UpdateTime":"2026-11-28T08:00:00Z","CoordinateOrigin":"TopRight"},` +
		`{"Definition":1000002,"Type":"text","Name":"","Comment":"c","XPos":"0px","YPos":"0px","ImageTemplate":null,` +
		`"TextTemplate":{"FontType":"simkai.ttf","FontSize":"24px","FontColor":"0x00FF00","FontAlpha":0.5},"SvgTemplate":null,` +
		`"CreateTime":"2026-11-28T08:00:00Z","UpdateTime":"2026-11-28T08:00:00Z","CoordinateOrigin":"TopLeft"}],"RequestId":"`
	if !strings.HasPrefix(string(out), want) {
		t.Errorf("describe:\ngot  %s\nwant %s…", out, want)
	}
	_, out = b.do(t, "DescribeWatermarkTemplates", `{"Type":"text"}`, nil)
	if !strings.Contains(string(out), `"TotalCount":1,`) || !strings.Contains(string(out), `"Definition":1000002`) {
		t.Errorf("describe text ones: %s", out)
	}

	// A partial Modify keeps what it does not name; a new image gets a new URL.
	blue := solidPNG(t, 8, 8, color.RGBA{0, 0, 255, 255})
	_, out = b.do(t, "ModifyWatermarkTemplate", `{"Definition":1000001,"XPos":"20px","ImageTemplate":{"ImageContent":"`+b64(blue)+`","Height":"10px"}}`, nil)
	var modified struct{ Response struct{ ImageUrl string } }
	if json.Unmarshal(out, &modified) != nil || modified.Response.ImageUrl == "" || modified.Response.ImageUrl == imageURL {
		t.Fatalf("modify: %s", out)
	}
	if code, body := b.served(t, modified.Response.ImageUrl); code != http.StatusOK || !bytes.Equal(body, blue) {
		t.Errorf("GET the new ImageUrl: %d, %d bytes", code, len(body))
	}
	if code, _ := b.served(t, imageURL); code != http.StatusNotFound {
		t.Errorf("GET the replaced ImageUrl: %d, want 404", code)
	}
	_, out = b.do(t, "DescribeWatermarkTemplates", `{"Definitions":[1000001]}`, nil)
	if !strings.Contains(string(out), `"XPos":"20px","YPos":"5%","ImageTemplate":{"ImageUrl":"`+modified.Response.ImageUrl+`","Width":"20%","Height":"10px","RepeatType":"repeat","Transparency":30}`) {
		t.Errorf("describe after modify: %s", out)
	}
	if _, out = b.do(t, "ModifyWatermarkTemplate", `{"Definition":1000002,"TextTemplate":{"FontSize":"30px"}}`, nil); errorCode(t, out) != "" {
		t.Fatalf("modify text: %s", out)
	}
	_, out = b.do(t, "DescribeWatermarkTemplates", `{"Definitions":[1000002]}`, nil)
	if !strings.Contains(string(out), `"TextTemplate":{"FontType":"simkai.ttf","FontSize":"30px","FontColor":"0x00FF00","FontAlpha":0.5}`) {
		t.Errorf("describe after the text modify: %s", out)
	}

	gifImage := func() string {
		var g bytes.Buffer
		if err := gif.Encode(&g, image.NewPaletted(image.Rect(0, 0, 8, 8), []color.Color{color.Black}), nil); err != nil {
			t.Fatal(err)
		}
		return b64(g.Bytes())
	}()
	for _, c := range []struct{ action, body, code string }{
		{"CreateWatermarkTemplate", `{"Name":"no type"}`, "MissingParameter"},
		{"CreateWatermarkTemplate", `{"Type":"svg","SvgTemplate":{"Width":"10W%"}}`, "UnsupportedOperation"},
		{"CreateWatermarkTemplate", `{"Type":"video"}`, "InvalidParameterValue.Type"},
		{"CreateWatermarkTemplate", `{"Type":"image"}`, "InvalidParameterValue.ImageTemplate"},
		{"CreateWatermarkTemplate", `{"Type":"image","ImageTemplate":{"Width":"10%"}}`, "InvalidParameterValue.ImageContent"},
		{"CreateWatermarkTemplate", `{"Type":"image","ImageTemplate":{"ImageContent":"` + gifImage + `"}}`, "InvalidParameterValue.ImageContent"},
		{"CreateWatermarkTemplate", `{"Type":"image","XPos":"-1px","ImageTemplate":{"ImageContent":"` + b64(red) + `"}}`, "InvalidParameterValue.XPos"},
		{"CreateWatermarkTemplate", `{"Type":"text","TextTemplate":{"FontSize":"big"}}`, "InvalidParameterValue.FontSize"},
		{"CreateWatermarkTemplate", `{"Type":"text","Bogus":1}`, "UnknownParameter"},
		{"ModifyWatermarkTemplate", `{"Definition":1000002,"ImageTemplate":{"Width":"5%"}}`, "InvalidParameterValue"},
		{"ModifyWatermarkTemplate", `{"Definition":1000001,"TextTemplate":{"FontSize":"5px"}}`, "InvalidParameterValue"},
		{"ModifyWatermarkTemplate", `{"Definition":1000001,"ImageTemplate":{"ImageContent":"` + gifImage + `"}}`, "InvalidParameterValue.ImageContent"},
		{"ModifyWatermarkTemplate", `{"Definition":1000001,"Type":"text"}`, "UnknownParameter"},
		{"ModifyWatermarkTemplate", `{"Definition":1000009,"Name":"x"}`, "ResourceNotFound.TemplateNotExist"},
		{"DescribeWatermarkTemplates", `{"Type":"video"}`, "InvalidParameterValue.Type"},
		{"DescribeWatermarkTemplates", `{"Limit":101}`, "InvalidParameterValue.Limit"},
		{"DescribeWatermarkTemplates", `{"Definitions":[10]}`, "ResourceNotFound.TemplateNotExist"},
		{"DeleteWatermarkTemplate", `{"Definition":10}`, "ResourceNotFound.TemplateNotExist"},
	} {
		if _, out := b.do(t, c.action, c.body, nil); errorCode(t, out) != c.code {
			t.Errorf("%s %s: %s, want %s", c.action, c.body, out, c.code)
		}
	}
	// Nothing of the refused requests was stored.
	if _, out = b.do(t, "DescribeWatermarkTemplates", `{"Definitions":[1000001]}`, nil); !strings.Contains(string(out), `"ImageUrl":"`+modified.Response.ImageUrl+`"`) {
		t.Errorf("after the refused modifies: %s", out)
	}
	infos, err := b.blobs.List(t.Context(), "")
	if err != nil || len(infos) != 2 {
		t.Errorf("stored objects after the refusals: %v %v, want the two images", infos, err)
	}

	if _, out = b.do(t, "DeleteWatermarkTemplate", `{"Definition":1000001}`, nil); errorCode(t, out) != "" {
		t.Fatalf("delete: %s", out)
	}
	if code, _ := b.served(t, modified.Response.ImageUrl); code != http.StatusNotFound {
		t.Errorf("GET the image of a deleted template: %d, want 404", code)
	}
	if _, out = b.do(t, "DescribeWatermarkTemplates", `{}`, nil); !strings.Contains(string(out), `"TotalCount":1,`) {
		t.Errorf("describe after the delete: %s", out)
	}
}
