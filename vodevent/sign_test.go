package vodevent

import (
	"bytes"
	"testing"
)

// TestCallbackSignVector checks the vector of docs/wire.md §2.
func TestCallbackSignVector(t *testing.T) {
	t.Parallel()
	if got, want := CallbackSign("abc123XYZ", 1700000600), "eaeff3756f6d588bd61ec1772ef91015"; got != want {
		t.Fatalf("CallbackSign = %s, want %s", got, want)
	}
}

// TestAppendSign checks that AppendSign on an unsigned body gives the bytes
// of marshalling the same event with Sign and T set.
func TestAppendSign(t *testing.T) {
	t.Parallel()
	for _, tc := range goldenEvents {
		e := tc.event()
		if e.Sign != "" || e.EventHandle != "" {
			continue
		}
		body := wire(t, e)
		orig := bytes.Clone(body)
		got := AppendSign(body, testSignKey, testT)
		e.Sign, e.T = CallbackSign(testSignKey, testT), testT
		if want := wire(t, e); !bytes.Equal(got, want) {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, want)
		}
		if !bytes.Equal(body, orig) {
			t.Errorf("%s: AppendSign modified its input", tc.name)
		}
	}
}

func TestAppendSignEdges(t *testing.T) {
	t.Parallel()
	sign := CallbackSign(testSignKey, testT)
	for _, tc := range []struct{ name, body, want string }{
		{"EncoderNewline", "{\"EventType\":\"X\"}\n", `{"EventType":"X","Sign":"` + sign + `","T":1700000600}`},
		{"EmptyObject", "{}", `{"Sign":"` + sign + `","T":1700000600}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := AppendSign([]byte(tc.body), testSignKey, testT); string(got) != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
	t.Run("NotAnObject", func(t *testing.T) {
		t.Parallel()
		defer func() {
			if recover() == nil {
				t.Fatal("AppendSign did not panic")
			}
		}()
		AppendSign([]byte(`[1]`), testSignKey, testT)
	})
}
