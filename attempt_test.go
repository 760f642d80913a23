package openvod

import "testing"

func TestAttemptKey(t *testing.T) {
	for _, c := range []struct {
		out  string
		n    int64
		want string
	}{
		{"1/ab/f0.mp4", 3, "1/ab/f0.a3.mp4"},
		{"1/ab/f0", 1, "1/ab/f0.a1"},
		{"f0.mp4", 12, "f0.a12.mp4"},
		{"1/a.b/f0", 2, "1/a.b/f0.a2"},
		{"", 1, ""},
	} {
		got := AttemptKey(c.out, c.n)
		if got != c.want {
			t.Errorf("AttemptKey(%q, %d) = %q, want %q", c.out, c.n, got, c.want)
		}
		if got != "" {
			if back := AttemptOutputKey(got); back != c.out {
				t.Errorf("AttemptOutputKey(%q) = %q, want %q", got, back, c.out)
			}
		}
	}
	for _, key := range []string{"1/ab/f0.mp4", "1/ab/f0", "1/ab/f0.a.mp4", "1/ab/f0.ax3.mp4", "1/ab/.a3", "1/ab.a3/f0.mp4"} {
		if got := AttemptOutputKey(key); got != "" {
			t.Errorf("AttemptOutputKey(%q) = %q, want none", key, got)
		}
	}
}
