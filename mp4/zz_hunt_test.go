package mp4

import (
	"bytes"
	"math/rand"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestZZHunt(t *testing.T) {
	names, _ := filepath.Glob(filepath.Join("testdata", "*.m*"))
	var seeds [][]byte
	for _, n := range names {
		d, _ := os.ReadFile(n)
		seeds = append(seeds, d)
	}
	seeds = append(seeds, testFile(nil))
	rng := rand.New(rand.NewSource(1))
	for iter := 0; iter < 20000; iter++ {
		d := bytes.Clone(seeds[rng.Intn(len(seeds))])
		for k := 0; k < 1+rng.Intn(4); k++ {
			p := rng.Intn(len(d))
			switch rng.Intn(3) {
			case 0:
				d[p] = byte(rng.Intn(256))
			case 1:
				d[p] = 0xff
			case 2:
				d[p] = 0
			}
		}
		done := make(chan struct{})
		go func() {
			select {
			case <-done:
			case <-time.After(2 * time.Second):
				os.WriteFile("/tmp/slow.bin", d, 0o644)
				panic("slow input written")
			}
		}()
		m, err := Parse(bytes.NewReader(d), int64(len(d)))
		if err == nil {
			m.Info()
			for _, tr := range m.Tracks {
				s, err := tr.Samples()
				if err != nil {
					continue
				}
				for i, smp := range s.All() {
					if i%101 == 0 && s.At(i) != smp {
						t.Fatal("mismatch")
					}
					if i >= 1<<16 {
						break
					}
				}
			}
		}
		close(done)
	}
}
