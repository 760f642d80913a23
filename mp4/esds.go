package mp4

// MPEG-4 descriptor tags used in esds (ISO/IEC 14496-1).
const (
	tagES              = 0x03
	tagDecoderConfig   = 0x04
	tagDecoderSpecific = 0x05
)

// parseEsds reads the object type and bitrates of an esds box.
func (e *SampleEntry) parseEsds(b box) error {
	r, _, _, err := fullBox(b)
	if err != nil {
		return err
	}
	tag, d, ok := descriptor(r)
	if !ok {
		return boxErr(b, "truncated descriptor")
	}
	if tag == tagES {
		d.take(2) // ES_ID
		flags := d.u8()
		if flags&0x80 != 0 {
			d.take(2) // dependsOn_ES_ID
		}
		if flags&0x40 != 0 {
			d.take(int(d.u8())) // URL
		}
		if flags&0x20 != 0 {
			d.take(2) // OCR_ES_ID
		}
		if tag, d, ok = descriptor(d); !ok {
			return boxErr(b, "truncated ES descriptor")
		}
	}
	if tag != tagDecoderConfig {
		return boxErr(b, "descriptor tag %#x where DecoderConfigDescriptor (4) was expected", tag)
	}
	e.ObjectType = d.u8()
	d.take(4) // streamType, upStream, reserved, bufferSizeDB
	e.MaxBitrate, e.AvgBitrate = d.u32(), d.u32()
	if d.short {
		return boxErr(b, "truncated DecoderConfigDescriptor")
	}
	if tag, dsi, ok := descriptor(d); ok && tag == tagDecoderSpecific {
		e.DecoderSpecific = dsi.b
	}
	return nil
}

// descriptor reads one descriptor header from r and returns its tag and a
// reader over its payload, which it skips in r.
func descriptor(r *bin) (tag uint8, payload *bin, ok bool) {
	tag = r.u8()
	size := 0
	for i := 0; i < 4; i++ {
		c := r.u8()
		size = size<<7 | int(c&0x7f)
		if c&0x80 == 0 {
			break
		}
	}
	body := r.take(size)
	if r.short {
		return 0, nil, false
	}
	return tag, &bin{b: body}, true
}
