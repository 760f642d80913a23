package clip

import (
	"os"
	"testing"
	"time"

	"github.com/openvod/openvod/mp4"
)

func TestTmpTiming(t *testing.T) {
	src := "/tmp/openvod-bench/src60m720p.mp4"
	for _, r := range [][2]float64{{1801.3, 1831.3}, {1651.3, 1951.3}, {0, 3600}} {
		t0 := time.Now()
		f, _ := os.Open(src)
		st, _ := f.Stat()
		m, err := mp4.Parse(f, st.Size())
		if err != nil {
			t.Fatal(err)
		}
		t1 := time.Now()
		p, err := PlanFast(m, f, r[0], r[1], true)
		if err != nil {
			t.Fatal(err)
		}
		t2 := time.Now()
		out := t.TempDir() + "/o.mp4"
		o, _ := os.Create(out)
		p.WriteTo(o, f)
		o.Close()
		t3 := time.Now()
		t.Logf("%v: parse %v plan %v write %v size %d runs %d moov %d", r, t1.Sub(t0), t2.Sub(t1), t3.Sub(t2), p.Size, p.Runs, len(p.head))
		f.Close()
	}
}
