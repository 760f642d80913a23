package clip

import (
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestTmpHang(t *testing.T) {
	names, _ := filepath.Glob(filepath.Join("testdata", "*.m*"))
	vals := []float64{0, 1.3, 2.7, 100, 1e300, math.MaxFloat64, 5e-324, 1e18, 1e10, 1e9, 1e6, 2.6999999999, -0.0, 0.001}
	for _, name := range names {
		data, _ := os.ReadFile(name)
		for _, s := range vals {
			for _, e := range vals {
				t0 := time.Now()
				tryCut(data, s, e)
				if d := time.Since(t0); d > 50*time.Millisecond {
					t.Logf("%s %g %g: %v", name, s, e, d)
				}
			}
		}
	}
}
