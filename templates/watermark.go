package templates

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	_ "image/jpeg" // registers JPEG for watermark images
	_ "image/png"  // registers PNG for watermark images
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/openvod/openvod"
)

// KindWatermark is the kind of watermark templates. Tencent has no preset
// watermark templates: every one belongs to an app.
const KindWatermark Kind = "Watermark"

// Watermark types openvod draws.
const (
	WatermarkImage = "image"
	WatermarkText  = "text"
	WatermarkSvg   = "svg" // refused
)

// Watermark image budgets: the decoded file, and its pixels (each side
// and in all), so that checking one by decoding it stays small.
const (
	MaxWatermarkImageBytes  = 2 << 20
	MaxWatermarkImageSide   = 4096
	MaxWatermarkImagePixels = 2048 * 2048
)

// MaxTextContent is the longest text of a text watermark, in characters.
const MaxTextContent = 100

// Watermark is a watermark template (the SDK's WatermarkTemplate). The
// image's blob key is kept beside the body (store.Template.StorageKey),
// never on the wire; ImageTemplate.ImageUrl is filled from it when the
// template is answered.
type Watermark struct {
	Definition       int64                   `json:"Definition"`
	Type             string                  `json:"Type"`
	Name             string                  `json:"Name"`
	Comment          string                  `json:"Comment"`
	XPos             string                  `json:"XPos"`
	YPos             string                  `json:"YPos"`
	ImageTemplate    *ImageWatermarkTemplate `json:"ImageTemplate"`
	TextTemplate     *TextWatermarkTemplate  `json:"TextTemplate"`
	SvgTemplate      any                     `json:"SvgTemplate"` // always null: SVG is refused
	CreateTime       string                  `json:"CreateTime"`
	UpdateTime       string                  `json:"UpdateTime"`
	CoordinateOrigin string                  `json:"CoordinateOrigin"`

	imageKey string
}

// ImageWatermarkTemplate is an image watermark's parameters.
type ImageWatermarkTemplate struct {
	ImageUrl     string `json:"ImageUrl"`
	Width        string `json:"Width"`
	Height       string `json:"Height"`
	RepeatType   string `json:"RepeatType"`
	Transparency int64  `json:"Transparency"`
}

// TextWatermarkTemplate is a text watermark's parameters (the SDK's
// TextWatermarkTemplateInput); the text itself comes with each use
// (WatermarkInput.TextContent).
type TextWatermarkTemplate struct {
	FontType  string  `json:"FontType"`
	FontSize  string  `json:"FontSize"`
	FontColor string  `json:"FontColor"`
	FontAlpha float64 `json:"FontAlpha"`
}

func (*Watermark) kind() Kind          { return KindWatermark }
func (t *Watermark) definition() int64 { return t.Definition }
func (t *Watermark) stamp(def int64, typ string, created, updated time.Time) {
	t.Definition, t.CreateTime, t.UpdateTime = def, openvod.FormatTime(created), openvod.FormatTime(updated)
}
func (t *Watermark) storageKey() string       { return t.imageKey }
func (t *Watermark) setStorageKey(key string) { t.imageKey = key }

// ImageKey returns the blob key of an image watermark's image.
func (t *Watermark) ImageKey() string { return t.imageKey }

// SetImageKey sets the blob key of the image, stored with the template.
func (t *Watermark) SetImageKey(key string) { t.imageKey = key }

// length is a position or a size: "10%" or "10px".
var length = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)?)(%|px)$`)

// ParseLength returns the number of a length ("10%", "10px") and whether
// it is a percentage.
func ParseLength(s string) (v float64, percent bool, ok bool) {
	m := length.FindStringSubmatch(s)
	if m == nil {
		return 0, false, false
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil || math.IsInf(v, 0) {
		return 0, false, false
	}
	return v, m[2] == "%", true
}

// checkLength checks a length (defaulted to def when empty): a
// percentage up to 100, or pixels, within lo..hi or 0 when zeroOK.
func checkLength(v *string, def, code, field string, lo, hi float64, zeroOK bool) error {
	if *v == "" {
		*v = def
	}
	n, percent, ok := ParseLength(*v)
	switch {
	case !ok:
		return bad(code, field, "%q is neither a percentage (\"10%%\") nor pixels (\"10px\")", *v)
	case n == 0 && zeroOK:
	case n == 0 || percent && n > 100:
		return bad(code, field, "%q: give a percentage above 0 and up to 100, or pixels within %g to %g", *v, lo, hi)
	case !percent && (n < lo || n > hi):
		return bad(code, field, "%q: give pixels within %g to %g", *v, lo, hi)
	}
	return nil
}

// fontColor is a text watermark's colour.
var fontColor = regexp.MustCompile(`^0[xX][0-9a-fA-F]{6}$`)

// fontSize is a text watermark's size in pixels.
var fontSize = regexp.MustCompile(`^([0-9]{1,4})px$`)

// FontSizePixels returns the pixels of a checked FontSize ("16px").
func FontSizePixels(s string) int64 {
	m := fontSize.FindStringSubmatch(s)
	if m == nil {
		return 0
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	return n
}

// FontTypes are the FontType values Tencent names; openvod draws them all
// with one font (DejaVu Sans).
var FontTypes = []string{"arial.ttf", "simkai.ttf"}

// CheckWatermark checks a watermark template to create or as modified,
// and fills the defaults. An image template's image is checked apart,
// by DecodeWatermarkImage, and its key set with SetImageKey.
func CheckWatermark(t *Watermark) error {
	if t.Type == WatermarkSvg || t.SvgTemplate != nil {
		return openvod.Errorf(openvod.CodeUnsupportedOperation, "Type: openvod does not draw SVG watermarks: use an image (PNG or JPEG) or a text watermark")
	}
	if err := firstErr(checkNaming(t.Name, t.Comment),
		oneOf(&t.Type, "", "Type", "Type", WatermarkImage, WatermarkText),
		oneOf(&t.CoordinateOrigin, "TopLeft", "CoordinateOrigin", "CoordinateOrigin", "TopLeft", "TopRight", "BottomLeft", "BottomRight", "Center"),
		checkLength(&t.XPos, "0px", "XPos", "XPos", 0, 8192, true),
		checkLength(&t.YPos, "0px", "YPos", "YPos", 0, 8192, true)); err != nil {
		return err
	}
	if t.Type == WatermarkImage {
		t.TextTemplate = nil
		return checkImageWatermark(t)
	}
	t.ImageTemplate, t.imageKey = nil, ""
	return checkTextWatermark(t.TextTemplate)
}

func checkImageWatermark(t *Watermark) error {
	m := t.ImageTemplate
	if m == nil {
		return bad("ImageTemplate", "ImageTemplate", "required for an image watermark")
	}
	m.ImageUrl = ""
	return firstErr(checkLength(&m.Width, "10%", "Width", "ImageTemplate.Width", 8, 4096, false),
		checkLength(&m.Height, "0px", "Height", "ImageTemplate.Height", 8, 4096, true),
		oneOf(&m.RepeatType, "repeat", "RepeatType", "ImageTemplate.RepeatType", "once", "repeat_last_frame", "repeat"),
		inRange(m.Transparency, 0, 100, false, "Transparency", "ImageTemplate.Transparency"))
}

func checkTextWatermark(m *TextWatermarkTemplate) error {
	if m == nil {
		return bad("TextTemplate", "TextTemplate", "required for a text watermark")
	}
	if m.FontColor == "" {
		m.FontColor = "0xFFFFFF"
	}
	if m.FontAlpha == 0 {
		m.FontAlpha = 1
	}
	switch n := FontSizePixels(m.FontSize); {
	case !fontColor.MatchString(m.FontColor):
		return bad("FontColor", "TextTemplate.FontColor", "%q is not a colour 0xRRGGBB", m.FontColor)
	case !(m.FontAlpha > 0 && m.FontAlpha <= 1):
		return bad("FontAlpha", "TextTemplate.FontAlpha", "%g is not above 0 and up to 1", m.FontAlpha)
	case n < 1 || n > 1000:
		return bad("FontSize", "TextTemplate.FontSize", "%q: give pixels from 1px to 1000px", m.FontSize)
	}
	m.FontColor = "0x" + strings.ToUpper(m.FontColor[2:])
	return oneOf(&m.FontType, FontTypes[0], "FontType", "TextTemplate.FontType", FontTypes...)
}

// DecodeWatermarkImage decodes an ImageContent (base64) and checks it is a
// whole PNG or JPEG within the budgets, by decoding it; it returns the
// bytes and their file extension (png or jpg). GIF and other formats are
// refused.
func DecodeWatermarkImage(content string) ([]byte, string, error) {
	const field = "ImageTemplate.ImageContent"
	if content == "" {
		return nil, "", bad("ImageContent", field, "required for an image watermark: the PNG or JPEG, base64-encoded")
	}
	if len(content) > base64.StdEncoding.EncodedLen(MaxWatermarkImageBytes) {
		return nil, "", bad("ImageContent", field, "the image is larger than %d bytes", MaxWatermarkImageBytes)
	}
	data, err := base64.StdEncoding.DecodeString(content)
	if err != nil {
		return nil, "", bad("ImageContent", field, "not base64 (RFC 4648, with padding): %v", err)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err == nil && format != "png" && format != "jpeg" {
		err = fmt.Errorf("a %s image", format) // another package registered it
	}
	if err != nil {
		return nil, "", bad("ImageContent", field, "not a PNG or JPEG image openvod reads (%v)", err)
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > MaxWatermarkImageSide || cfg.Height > MaxWatermarkImageSide ||
		cfg.Width*cfg.Height > MaxWatermarkImagePixels {
		return nil, "", bad("ImageContent", field, "%d×%d pixels: give at most %d a side and %d in all", cfg.Width, cfg.Height, MaxWatermarkImageSide, MaxWatermarkImagePixels)
	}
	if _, _, err := image.Decode(bytes.NewReader(data)); err != nil {
		return nil, "", bad("ImageContent", field, "the %s image is damaged (%v)", format, err)
	}
	if format == "jpeg" {
		format = "jpg"
	}
	return data, format, nil
}

// checkTextContent checks a text watermark's text.
func checkTextContent(field, s string) error {
	switch n := utf8.RuneCountInString(s); {
	case !utf8.ValidString(s):
		return openvod.InvalidValue(field, false, "the text is not UTF-8")
	case n == 0:
		return openvod.InvalidValue(field, false, "a text watermark needs its text: give TextContent")
	case n > MaxTextContent:
		return openvod.InvalidValue(field, false, "%d characters, more than %d", n, MaxTextContent)
	}
	return nil
}
