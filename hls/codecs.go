package hls

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/openvod/openvod/mp4"
)

// codecString returns the RFC 6381 CODECS value of a sample entry the
// package packages: avc1/avc3 from avcC, hvc1/hev1 from hvcC (ISO/IEC
// 14496-15 annex E), mp4a from esds and its AudioSpecificConfig.
func codecString(e *mp4.SampleEntry) (string, error) {
	switch e.Codec() {
	case "h264":
		if e.ConfigType != "avcC" || len(e.Config) < 4 {
			return "", fmt.Errorf("%s has no avcC", e.Type)
		}
		return fmt.Sprintf("%s.%02x%02x%02x", e.Type, e.Config[1], e.Config[2], e.Config[3]), nil
	case "hevc":
		if e.Type != "hvc1" && e.Type != "hev1" {
			return "", fmt.Errorf("HEVC sample entry %q (hvc1 and hev1 are packaged)", e.Type)
		}
		if e.ConfigType != "hvcC" || len(e.Config) < 13 {
			return "", fmt.Errorf("%s has no hvcC", e.Type)
		}
		return e.Type + "." + hevcCodec(e.Config), nil
	case "aac":
		if e.ObjectType != 0x40 {
			return "", fmt.Errorf("AAC with object type %#x (MPEG-4 audio, 0x40, is packaged)", e.ObjectType)
		}
		aot, ok := audioObjectType(e.DecoderSpecific)
		if !ok {
			return "", fmt.Errorf("AAC without an AudioSpecificConfig")
		}
		return "mp4a.40." + strconv.Itoa(aot), nil
	}
	name := e.Codec()
	if name == "" {
		name = strconv.Quote(e.Type)
	}
	return "", fmt.Errorf("codec %s (H.264, HEVC and AAC are packaged)", name)
}

// hevcCodec returns the part of an HEVC codec string after the sample
// entry type, from the hvcC payload c (at least 13 bytes): profile space
// and profile, compatibility flags (bit-reversed, hex), tier and level, and
// the constraint flags without trailing zero bytes; hex digits upper-case,
// as in Apple's examples ("hvc1.2.4.L153.B0").
func hevcCodec(c []byte) string {
	var b strings.Builder
	b.WriteString([]string{"", "A", "B", "C"}[c[1]>>6])
	b.WriteString(strconv.Itoa(int(c[1] & 0x1f)))
	compat := uint32(c[2])<<24 | uint32(c[3])<<16 | uint32(c[4])<<8 | uint32(c[5])
	var rev uint32
	for i := 0; i < 32; i++ {
		rev |= (compat >> i & 1) << (31 - i)
	}
	b.WriteString("." + strings.ToUpper(strconv.FormatUint(uint64(rev), 16)))
	tier := "L"
	if c[1]&0x20 != 0 {
		tier = "H"
	}
	b.WriteString("." + tier + strconv.Itoa(int(c[12])))
	flags := c[6:12]
	n := len(flags)
	for n > 0 && flags[n-1] == 0 {
		n--
	}
	for _, f := range flags[:n] {
		b.WriteString("." + strings.ToUpper(strconv.FormatUint(uint64(f), 16)))
	}
	return b.String()
}

// audioObjectType reads the audio object type at the start of an
// AudioSpecificConfig (ISO/IEC 14496-3 §1.6.2.1).
func audioObjectType(asc []byte) (int, bool) {
	if len(asc) < 1 {
		return 0, false
	}
	aot := int(asc[0] >> 3)
	if aot == 31 {
		if len(asc) < 2 {
			return 0, false
		}
		aot = 32 + (int(asc[0]&7)<<3 | int(asc[1]>>5))
	}
	return aot, aot != 0
}
