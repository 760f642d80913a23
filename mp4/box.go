package mp4

import (
	"encoding/binary"
	"strings"
)

// box is one box held in memory.
type box struct {
	typ  string // four-character type, raw bytes
	path string // path from the top level, for error messages
	off  int64  // absolute file offset of the first header byte
	raw  []byte // the whole box, header included
	body []byte // the payload after the header
}

// children splits b's payload, from skip bytes in, into boxes. Fewer than 8
// trailing bytes are ignored (QuickTime ends some containers with a 32-bit
// zero). A size of 0 means "to the end of the parent".
func (b box) children(skip int) ([]box, error) {
	if skip > len(b.body) {
		return nil, boxErr(b, "payload is %d bytes, children start at %d", len(b.body), skip)
	}
	data := b.body[skip:]
	base := b.off + int64(len(b.raw)-len(b.body)+skip)
	var out []box
	for p := 0; len(data)-p >= 8; {
		size := uint64(binary.BigEndian.Uint32(data[p:]))
		typ := string(data[p+4 : p+8])
		child := box{typ: typ, path: b.path + "/" + printable(typ), off: base + int64(p)}
		hdr := uint64(8)
		switch size {
		case 0:
			size = uint64(len(data) - p)
		case 1:
			if len(data)-p < 16 {
				return nil, boxErr(child, "64-bit size truncated: %d bytes left in %s", len(data)-p, b.typ)
			}
			size = binary.BigEndian.Uint64(data[p+8:])
			hdr = 16
		}
		if size < hdr {
			return nil, boxErr(child, "size %d is smaller than its %d-byte header", size, hdr)
		}
		if size > uint64(len(data)-p) {
			return nil, boxErr(child, "size %d exceeds the %d bytes left in %s", size, len(data)-p, printable(b.typ))
		}
		child.raw = data[p : p+int(size)]
		child.body = child.raw[hdr:]
		out = append(out, child)
		p += int(size)
	}
	return out, nil
}

// find returns the first box of type typ in boxes.
func find(boxes []box, typ string) (box, bool) {
	for _, b := range boxes {
		if b.typ == typ {
			return b, true
		}
	}
	return box{}, false
}

// printable replaces the bytes of a four-character code that are not
// printable ASCII with '?', so garbage types cannot garble error messages.
func printable(typ string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '?'
		}
		return r
	}, typ)
}

// bin reads big-endian fields from a payload. A read past the end returns
// zero and sets short, so a parser can check once after a group of reads.
type bin struct {
	b     []byte
	p     int
	short bool
}

// take returns the next n bytes, or nil and sets short if fewer remain.
func (r *bin) take(n int) []byte {
	if r.short || n < 0 || n > len(r.b)-r.p {
		r.short = true
		return nil
	}
	s := r.b[r.p : r.p+n]
	r.p += n
	return s
}

func (r *bin) u8() uint8 {
	if s := r.take(1); s != nil {
		return s[0]
	}
	return 0
}

func (r *bin) u16() uint16 {
	if s := r.take(2); s != nil {
		return binary.BigEndian.Uint16(s)
	}
	return 0
}

func (r *bin) u24() uint32 {
	if s := r.take(3); s != nil {
		return uint32(s[0])<<16 | uint32(s[1])<<8 | uint32(s[2])
	}
	return 0
}

func (r *bin) u32() uint32 {
	if s := r.take(4); s != nil {
		return binary.BigEndian.Uint32(s)
	}
	return 0
}

func (r *bin) u64() uint64 {
	if s := r.take(8); s != nil {
		return binary.BigEndian.Uint64(s)
	}
	return 0
}

// left returns the number of unread bytes.
func (r *bin) left() int {
	if r.short {
		return 0
	}
	return len(r.b) - r.p
}

// fullBox starts reading a FullBox payload: it returns the reader positioned
// after the version and flags.
func fullBox(b box) (r *bin, version uint8, flags uint32, err error) {
	r = &bin{b: b.body}
	version = r.u8()
	flags = r.u24()
	if r.short {
		return nil, 0, 0, boxErr(b, "payload is %d bytes, needs 4 for version and flags", len(b.body))
	}
	return r, version, flags, nil
}

// table checks that count entries of size bytes each fit in what is left of
// r, so a slice of count entries can be allocated.
func table(b box, r *bin, count uint32, size int) error {
	if uint64(count)*uint64(size) > uint64(r.left()) {
		return boxErr(b, "%d entries of %d bytes need %d bytes, %d left", count, size, uint64(count)*uint64(size), r.left())
	}
	return nil
}
