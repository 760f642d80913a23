// Package bench holds benchmarks run by hand (go test -bench), never gated
// in CI. Each prints its figures with the machine it ran on.
package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openvod/openvod/openvodtest"
	"github.com/openvod/openvod/store/postgres/pgtest"
)

// BenchmarkGateway measures signed DescribeMediaInfos requests against a
// real server process from keep-alive clients on loopback.
//
//	go test ./bench -run '^$' -bench Gateway -benchtime 20000x
func BenchmarkGateway(b *testing.B) {
	b.Run("sqlite-FULL", func(b *testing.B) { benchGateway(b, "") })
	b.Run("postgres", func(b *testing.B) { benchGateway(b, pgtest.URL(b)) })
}

func benchGateway(b *testing.B, db string) {
	srv := openvodtest.Start(b, openvodtest.Options{DB: db, Env: []string{"OPENVOD_LOG_LEVEL=warn"}})
	fileID := uploadFixture(b, srv)
	client := srv.Client()
	client.HTTPClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	body := []byte(`{"FileIds":["` + fileID + `"]}`)

	const workers = 16
	latencies := make([][]time.Duration, workers)
	var next sync.Mutex
	remaining := b.N
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				next.Lock()
				if remaining == 0 {
					next.Unlock()
					return
				}
				remaining--
				next.Unlock()
				t0 := time.Now()
				req, _ := client.NewRequest(context.Background(), "DescribeMediaInfos", body)
				resp, err := client.HTTPClient.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				out, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if !bytes.Contains(out, []byte(`"MediaInfoSet":[{`)) {
					b.Errorf("unexpected answer: %s", out)
					return
				}
				latencies[w] = append(latencies[w], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	all := slices.Concat(latencies...)
	slices.Sort(all)
	if len(all) == 0 {
		return
	}
	rps := float64(len(all)) / elapsed.Seconds()
	p50, p99 := all[len(all)*50/100], all[len(all)*99/100]
	b.ReportMetric(rps, "req/s")
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
	b.ReportMetric(0, "ns/op")
	b.Logf("%s: %d signed DescribeMediaInfos, %d clients: %.0f req/s, p50 %.2f ms, p99 %.2f ms; %s",
		b.Name(), len(all), workers, rps, float64(p50.Microseconds())/1000, float64(p99.Microseconds())/1000, Machine())
}

// uploadFixture stores an MP4 fixture and returns its FileId.
func uploadFixture(b *testing.B, srv *openvodtest.Server) string {
	data, err := os.ReadFile("../mp4/testdata/h264_aac_faststart.mp4")
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var applied struct{ VodSessionKey, UploadUrl string }
	srv.Call(ctx, "ApplyUpload", map[string]any{"MediaType": "mp4"}, &applied)
	req, _ := http.NewRequest(http.MethodPut, applied.UploadUrl, bytes.NewReader(data))
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("upload: %v %v", err, resp)
	}
	resp.Body.Close()
	var committed struct{ FileId string }
	srv.Call(ctx, "CommitUpload", map[string]any{"VodSessionKey": applied.VodSessionKey}, &committed)
	return committed.FileId
}

// Machine describes the CPU and core count.
func Machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	return fmt.Sprintf("%s, %d cores, %s/%s, %s", model, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())
}
