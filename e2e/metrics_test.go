package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/openvod/openvod/openvodtest"
)

// TestMetrics checks the Prometheus metrics: requests by action and code,
// the latency histogram, and tasks by state.
func TestMetrics(t *testing.T) {
	t.Parallel()
	srv := openvodtest.Start(t, openvodtest.Options{})
	ctx := context.Background()
	srv.Call(ctx, "DescribeMediaInfos", map[string]any{"FileIds": []string{"1"}}, nil)
	srv.Client().Call(ctx, "DescribeMediaInfos", map[string]any{}, nil) // MissingParameter
	srv.Client().Call(ctx, "NoSuchAction", nil, nil)
	body := string(get(t, srv.URL+"/metrics"))
	for _, want := range []string{
		`openvod_api_requests_total{action="DescribeMediaInfos",code=""} 1`,
		`openvod_api_requests_total{action="DescribeMediaInfos",code="MissingParameter"} 1`,
		`openvod_api_requests_total{action="unknown",code="InvalidAction"} 1`,
		`openvod_api_request_duration_seconds_count{action="DescribeMediaInfos"} 2`,
		`openvod_tasks{status="WAITING"} 0`,
		`openvod_tasks{status="FINISH"} 0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
