package main

import (
	"context"
	"strings"
	"testing"
)

// TestBenchLaunchReturns: the launcher form of bench returns to its caller
// (an error for a missing or failing command) instead of exiting the
// process, and prints the wall time and peak RSS of a command that ran.
func TestBenchLaunchReturns(t *testing.T) {
	ctx := context.Background()
	var out, errOut strings.Builder
	if err := run(ctx, []string{"bench", "launch"}, noEnv, &out, &errOut); err == nil || !strings.Contains(err.Error(), "no command") {
		t.Fatalf("bench launch without a command: %v, want an error saying so", err)
	}
	if err := run(ctx, []string{"bench", "launch", "false"}, noEnv, &out, &errOut); err == nil {
		t.Fatal("bench launch false: no error")
	}
	if out.Len() != 0 {
		t.Fatalf("failed launches printed %q", out.String())
	}
	if err := run(ctx, []string{"bench", "launch", "true"}, noEnv, &out, &errOut); err != nil {
		t.Fatalf("bench launch true: %v", err)
	}
	if f := strings.Fields(out.String()); len(f) != 2 || !allDigits(f[0]) || !allDigits(f[1]) {
		t.Fatalf("bench launch true printed %q, want wall time and peak RSS", out.String())
	}
}

func noEnv(string) string { return "" }

func allDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}
