// Package blobtest is the conformance suite for blob.Bucket implementations.
// Every backend (blob/local, later blob/s3) runs Exercise from its own tests,
// so all of them are held to the same contract; a change to a backend comes
// with a change here.
package blobtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/iotest"

	"github.com/openvod/openvod/blob"
)

// Exercise runs the conformance suite against buckets made by newBucket,
// which is called once per subtest and must return an empty bucket that
// stays usable until t ends (register cleanups with t.Cleanup). Subtests run
// in parallel, so newBucket must be safe to call concurrently.
func Exercise(t *testing.T, newBucket func(t *testing.T) blob.Bucket) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, b blob.Bucket)
	}{
		{"CancelledContext", exerciseCancelledContext},
		{"ConcurrentPuts", exerciseConcurrentPuts},
		{"CreateCommitAbort", exerciseCreate},
		{"ConcurrentPutsSameKey", exerciseConcurrentPutsSameKey},
		{"ConcurrentPutDeleteSiblings", exerciseConcurrentPutDeleteSiblings},
		{"Delete", exerciseDelete},
		{"FailingReader", exerciseFailingReader},
		{"InvalidKeys", exerciseInvalidKeys},
		{"List", exerciseList},
		{"Missing", exerciseMissing},
		{"Overwrite", exerciseOverwrite},
		{"PutOpenRoundTrip", exerciseRoundTrip},
		{"ReadAtAndSeek", exerciseReadAtAndSeek},
		{"SizeLimit", exerciseSizeLimit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, newBucket(t))
		})
	}
}

func exerciseRoundTrip(t *testing.T, b blob.Bucket) {
	for _, size := range []int{0, 1, 1000, 3<<20 + 17} {
		key := fmt.Sprintf("rt/%d.bin", size)
		data := randomBytes(size)
		// HalfReader makes short reads, DataErrReader returns io.EOF with
		// the last bytes: both are legal for an io.Reader.
		n, err := b.Put(t.Context(), key, iotest.DataErrReader(iotest.HalfReader(bytes.NewReader(data))), 0)
		if err != nil {
			t.Fatalf("Put(%q, %d bytes) error: %v", key, size, err)
		}
		if n != int64(size) {
			t.Fatalf("Put(%q) = %d, want %d", key, n, size)
		}
		o, err := b.Open(t.Context(), key)
		if err != nil {
			t.Fatalf("Open(%q) error: %v", key, err)
		}
		info := o.Info()
		got, err := io.ReadAll(o)
		o.Close()
		if err != nil {
			t.Fatalf("read %q: %v", key, err)
		}
		if !bytes.Equal(got, data) {
			t.Fatalf("%q: read %d bytes that differ from the %d put", key, len(got), size)
		}
		if info.Key != key || info.Size != int64(size) || info.ModTime.IsZero() {
			t.Errorf("Open(%q).Info() = %+v, want key %q, size %d, a ModTime", key, info, key, size)
		}
		st, err := b.Stat(t.Context(), key)
		if err != nil {
			t.Fatalf("Stat(%q) error: %v", key, err)
		}
		if st.Key != key || st.Size != int64(size) || st.ModTime.IsZero() {
			t.Errorf("Stat(%q) = %+v, want key %q, size %d, a ModTime", key, st, key, size)
		}
	}
}

func exerciseReadAtAndSeek(t *testing.T, b blob.Bucket) {
	data := randomBytes(256<<10 + 3)
	size := int64(len(data))
	mustPut(t, b, "range/obj", data)
	o, err := b.Open(t.Context(), "range/obj")
	if err != nil {
		t.Fatalf("Open error: %v", err)
	}
	defer o.Close()

	for _, tc := range []struct {
		off     int64
		len     int
		wantN   int
		wantEOF bool // true: must be io.EOF; false: nil, or io.EOF when the read ends at the end
	}{
		{0, 10, 10, false},
		{100, 1000, 1000, false},
		{size - 10, 10, 10, false},
		{size - 10, 20, 10, true},
		{size, 1, 0, true},
		{size + 100, 1, 0, true},
	} {
		p := make([]byte, tc.len)
		n, err := o.ReadAt(p, tc.off)
		if n != tc.wantN {
			t.Errorf("ReadAt(len %d, off %d) n = %d, want %d (err %v)", tc.len, tc.off, n, tc.wantN, err)
			continue
		}
		end := tc.off + int64(n)
		switch {
		case tc.wantEOF && err != io.EOF:
			t.Errorf("ReadAt(len %d, off %d) err = %v, want io.EOF", tc.len, tc.off, err)
		case !tc.wantEOF && err != nil && !(err == io.EOF && end == size):
			t.Errorf("ReadAt(len %d, off %d) err = %v, want nil", tc.len, tc.off, err)
		}
		if n > 0 && !bytes.Equal(p[:n], data[tc.off:end]) {
			t.Errorf("ReadAt(len %d, off %d) returned wrong bytes", tc.len, tc.off)
		}
	}
	if _, err := o.ReadAt(make([]byte, 1), -1); err == nil {
		t.Errorf("ReadAt(off -1) err = nil, want an error")
	}

	// ReadAt may be called concurrently.
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			off := int64(i) * (size / 8)
			p := make([]byte, 4096+i)
			if n, err := o.ReadAt(p, off); err != nil || !bytes.Equal(p[:n], data[off:off+int64(n)]) || n != len(p) {
				t.Errorf("concurrent ReadAt(off %d) = %d, %v or wrong bytes", off, n, err)
			}
		})
	}
	wg.Wait()

	seekRead := func(off int64, whence int, wantPos int64, n int) {
		t.Helper()
		pos, err := o.Seek(off, whence)
		if err != nil || pos != wantPos {
			t.Fatalf("Seek(%d, %d) = %d, %v, want %d", off, whence, pos, err, wantPos)
		}
		p := make([]byte, n)
		if _, err := io.ReadFull(o, p); err != nil {
			t.Fatalf("read %d bytes at %d: %v", n, pos, err)
		}
		if !bytes.Equal(p, data[pos:pos+int64(n)]) {
			t.Fatalf("read %d bytes at %d: wrong bytes", n, pos)
		}
	}
	seekRead(1000, io.SeekStart, 1000, 500)
	seekRead(100, io.SeekCurrent, 1600, 10)
	seekRead(-10, io.SeekEnd, size-10, 10)
	seekRead(0, io.SeekStart, 0, len(data))
	if pos, err := o.Seek(0, io.SeekCurrent); err != nil || pos != size {
		t.Errorf("Seek(0, SeekCurrent) at end = %d, %v, want %d", pos, err, size)
	}
	if _, err := o.Seek(size+10, io.SeekStart); err != nil {
		t.Fatalf("Seek past the end error: %v", err)
	}
	if n, err := o.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Errorf("Read past the end = %d, %v, want 0, io.EOF", n, err)
	}
	if _, err := o.Seek(-1, io.SeekStart); err == nil {
		t.Errorf("Seek(-1, SeekStart) err = nil, want an error")
	}
}

func exerciseOverwrite(t *testing.T, b blob.Bucket) {
	for _, size := range []int{5000, 100, 70000} {
		data := randomBytes(size)
		mustPut(t, b, "ow/obj", data)
		if got := mustRead(t, b, "ow/obj"); !bytes.Equal(got, data) {
			t.Fatalf("after overwrite with %d bytes read %d bytes that differ", size, len(got))
		}
		if st, err := b.Stat(t.Context(), "ow/obj"); err != nil || st.Size != int64(size) {
			t.Fatalf("Stat after overwrite = %+v, %v, want size %d", st, err, size)
		}
	}
	wantKeys(t, b, "", "ow/obj")
}

func exerciseMissing(t *testing.T, b blob.Bucket) {
	mustPut(t, b, "dir/obj", []byte("x"))
	for _, key := range []string{"nope", "no/such/key", "dir", "dir/ob", "dir/obj2", "dir/obj/x"} {
		wantNotFound(t, b, key)
	}
}

func exerciseDelete(t *testing.T, b blob.Bucket) {
	ctx := t.Context()
	mustPut(t, b, "d/e/f", []byte("f"))
	mustPut(t, b, "d/g", []byte("g"))
	if err := b.Delete(ctx, "d/e/f"); err != nil {
		t.Fatalf("Delete(d/e/f) error: %v", err)
	}
	wantNotFound(t, b, "d/e/f")
	wantKeys(t, b, "", "d/g")
	for _, key := range []string{"d/e/f", "never", "d", "d/e", "d/g/h"} {
		if err := b.Delete(ctx, key); err != nil {
			t.Errorf("Delete(%q) of a missing object error: %v, want nil", key, err)
		}
	}
	wantKeys(t, b, "", "d/g")
	// The emptied directories of a deleted key are usable again.
	mustPut(t, b, "d/e/f", []byte("f2"))
	if got := mustRead(t, b, "d/e/f"); string(got) != "f2" {
		t.Fatalf("d/e/f after re-Put = %q, want f2", got)
	}
	for _, key := range []string{"d/e/f", "d/g"} {
		if err := b.Delete(ctx, key); err != nil {
			t.Fatalf("Delete(%q) error: %v", key, err)
		}
	}
	wantKeys(t, b, "")
}

func exerciseList(t *testing.T, b blob.Bucket) {
	all := []string{"a-c", "a/a/z", "a/b", "a/bc", "ab", "b", "c/d/e"}
	size := map[string]int64{}
	for i, key := range []string{"c/d/e", "a/b", "b", "a/a/z", "ab", "a/bc", "a-c"} {
		size[key] = int64(i + 1)
		mustPut(t, b, key, randomBytes(i+1))
	}
	infos, err := b.List(t.Context(), "")
	if err != nil {
		t.Fatalf("List(\"\") error: %v", err)
	}
	if got := keysOf(infos); !slices.Equal(got, all) {
		t.Fatalf("List(\"\") = %q, want %q", got, all)
	}
	for _, info := range infos {
		if info.Size != size[info.Key] || info.ModTime.IsZero() {
			t.Errorf("List: %+v, want size %d and a ModTime", info, size[info.Key])
		}
	}
	for _, tc := range []struct {
		prefix string
		want   []string
	}{
		{"a/", []string{"a/a/z", "a/b", "a/bc"}},
		{"a", []string{"a-c", "a/a/z", "a/b", "a/bc", "ab"}},
		{"a/b", []string{"a/b", "a/bc"}},
		{"a/b/", nil},
		{"a/a", []string{"a/a/z"}},
		{"c/d", []string{"c/d/e"}},
		{"c/d/e", []string{"c/d/e"}},
		{"b", []string{"b"}},
		{"zz", nil},
		{"/", nil},
		{"/a", nil},
		{"../", nil},
		{"a//", nil},
	} {
		wantKeys(t, b, tc.prefix, tc.want...)
	}
}

func exerciseSizeLimit(t *testing.T, b blob.Bucket) {
	ctx := t.Context()
	const limit = 1000
	exact := randomBytes(limit)
	if n, err := b.Put(ctx, "exact", bytes.NewReader(exact), limit); err != nil || n != limit {
		t.Fatalf("Put of exactly the limit = %d, %v, want %d, nil", n, err, limit)
	}
	if n, err := b.Put(ctx, "empty", bytes.NewReader(nil), 1); err != nil || n != 0 {
		t.Fatalf("Put of 0 bytes with limit 1 = %d, %v, want 0, nil", n, err)
	}
	if n, err := b.Put(ctx, "big", bytes.NewReader(randomBytes(limit+1)), limit); !errors.Is(err, blob.ErrTooLarge) || n != 0 {
		t.Fatalf("Put of limit+1 to a new key = %d, %v, want 0, ErrTooLarge", n, err)
	}
	wantNotFound(t, b, "big")
	if _, err := b.Put(ctx, "exact", bytes.NewReader(randomBytes(limit+1)), limit); !errors.Is(err, blob.ErrTooLarge) {
		t.Fatalf("Put of limit+1 over an object = %v, want ErrTooLarge", err)
	}
	if got := mustRead(t, b, "exact"); !bytes.Equal(got, exact) {
		t.Fatalf("a rejected oversized Put changed the old object")
	}
	// An endless reader: Put reads at most limit+1 bytes, then gives up.
	const bigLimit = 1 << 20
	r := &countingReader{r: zeroReader{}}
	if _, err := b.Put(ctx, "endless", r, bigLimit); !errors.Is(err, blob.ErrTooLarge) {
		t.Fatalf("Put of an endless reader = %v, want ErrTooLarge", err)
	}
	if got := r.n.Load(); got > bigLimit+1 {
		t.Errorf("Put read %d bytes of an endless reader with limit %d, want at most limit+1", got, bigLimit)
	}
	wantNotFound(t, b, "endless")
	wantKeys(t, b, "", "empty", "exact")
}

// invalidKeys lists keys every backend rejects with blob.ErrInvalidKey.
var invalidKeys = []string{
	"", "/abs", "a/../b", "..", "../a", "a/..", ".", "./a", "a/./b", "a//b",
	"a\\b", "a\x00b", "a/", "/", ".tmp/x", ".tmp",
}

func exerciseInvalidKeys(t *testing.T, b blob.Bucket) {
	ctx := t.Context()
	for _, key := range invalidKeys {
		if n, err := b.Put(ctx, key, bytes.NewReader([]byte("x")), 0); !errors.Is(err, blob.ErrInvalidKey) || n != 0 {
			t.Errorf("Put(%q) = %d, %v, want 0, ErrInvalidKey", key, n, err)
		}
		if o, err := b.Open(ctx, key); !errors.Is(err, blob.ErrInvalidKey) {
			if err == nil {
				o.Close()
			}
			t.Errorf("Open(%q) error = %v, want ErrInvalidKey", key, err)
		}
		if _, err := b.Stat(ctx, key); !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("Stat(%q) error = %v, want ErrInvalidKey", key, err)
		}
		if err := b.Delete(ctx, key); !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("Delete(%q) error = %v, want ErrInvalidKey", key, err)
		}
	}
	wantKeys(t, b, "")
}

var errBoom = errors.New("blobtest: reader failed")

func exerciseFailingReader(t *testing.T, b blob.Bucket) {
	ctx := t.Context()
	failing := func() io.Reader {
		return io.MultiReader(bytes.NewReader(randomBytes(200<<10)), iotest.ErrReader(errBoom))
	}
	if n, err := b.Put(ctx, "fail/new", failing(), 0); !errors.Is(err, errBoom) || n != 0 {
		t.Fatalf("Put of a failing reader = %d, %v, want 0 and an error wrapping the reader's", n, err)
	}
	wantNotFound(t, b, "fail/new")
	old := randomBytes(5000)
	mustPut(t, b, "fail/old", old)
	if _, err := b.Put(ctx, "fail/old", failing(), 0); !errors.Is(err, errBoom) {
		t.Fatalf("Put of a failing reader over an object = %v, want an error wrapping the reader's", err)
	}
	if got := mustRead(t, b, "fail/old"); !bytes.Equal(got, old) {
		t.Fatalf("a failed Put changed the old object")
	}
	wantKeys(t, b, "", "fail/old")
}

func exerciseCancelledContext(t *testing.T, b blob.Bucket) {
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	if n, err := b.Put(cancelled, "ctx/before", bytes.NewReader([]byte("x")), 0); !errors.Is(err, context.Canceled) || n != 0 {
		t.Fatalf("Put with a cancelled context = %d, %v, want 0, context.Canceled", n, err)
	}
	wantNotFound(t, b, "ctx/before")

	old := randomBytes(3000)
	mustPut(t, b, "ctx/old", old)
	for _, key := range []string{"ctx/mid", "ctx/old"} {
		// The reader never ends and cancels the context after 256 KiB. With
		// no context check Put would run into the limit (ErrTooLarge) instead.
		ctx, cancel := context.WithCancel(t.Context())
		r := &cancellingReader{after: 256 << 10, cancel: cancel}
		n, err := b.Put(ctx, key, r, 64<<20)
		cancel()
		if !errors.Is(err, context.Canceled) || n != 0 {
			t.Fatalf("Put(%q) cancelled mid-copy = %d, %v, want 0, context.Canceled", key, n, err)
		}
	}
	wantNotFound(t, b, "ctx/mid")
	if got := mustRead(t, b, "ctx/old"); !bytes.Equal(got, old) {
		t.Fatalf("a cancelled Put changed the old object")
	}
	wantKeys(t, b, "", "ctx/old")
}

func exerciseConcurrentPuts(t *testing.T, b blob.Bucket) {
	// Puts into new and shared directories race each other and Deletes of
	// neighbours that empty those directories.
	const n = 32
	for i := range n / 4 {
		mustPut(t, b, fmt.Sprintf("cc/%d/victim", i), []byte("v"))
	}
	data := make([][]byte, n)
	for i := range data {
		data[i] = randomBytes(10<<10 + i*997)
	}
	key := func(i int) string { return fmt.Sprintf("cc/%d/%d/obj", i%4, i) }
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if got, err := b.Put(t.Context(), key(i), bytes.NewReader(data[i]), 0); err != nil || got != int64(len(data[i])) {
				t.Errorf("concurrent Put(%q) = %d, %v", key(i), got, err)
			}
		})
		if i < n/4 {
			wg.Go(func() {
				if err := b.Delete(t.Context(), fmt.Sprintf("cc/%d/victim", i)); err != nil {
					t.Errorf("concurrent Delete error: %v", err)
				}
			})
		}
	}
	wg.Wait()
	var want []string
	for i := range n {
		if got := mustRead(t, b, key(i)); !bytes.Equal(got, data[i]) {
			t.Errorf("%q: read bytes that differ from the ones put", key(i))
		}
		want = append(want, key(i))
	}
	slices.Sort(want)
	wantKeys(t, b, "", want...)
}

func exerciseConcurrentPutsSameKey(t *testing.T, b blob.Bucket) {
	data := make([][]byte, 8)
	for i := range data {
		data[i] = randomBytes(64<<10 + i)
	}
	var wg sync.WaitGroup
	for i := range data {
		wg.Go(func() {
			if _, err := b.Put(t.Context(), "same", bytes.NewReader(data[i]), 0); err != nil {
				t.Errorf("concurrent Put(same) error: %v", err)
			}
		})
	}
	wg.Wait()
	got := mustRead(t, b, "same")
	if !slices.ContainsFunc(data, func(d []byte) bool { return bytes.Equal(d, got) }) {
		t.Fatalf("after concurrent Puts to one key it holds %d bytes that match none of them", len(got))
	}
	wantKeys(t, b, "", "same")
}

func exerciseConcurrentPutDeleteSiblings(t *testing.T, b blob.Bucket) {
	// Each worker puts and deletes its own key in a directory it shares with
	// the others, so that directory keeps being emptied (and, on disk,
	// removed) while another worker publishes into it.
	const workers, rounds = 4, 100
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			key := fmt.Sprintf("pd/x/y/%d", w)
			for i := range rounds {
				data := []byte(fmt.Sprintf("%d-%d", w, i))
				if _, err := b.Put(t.Context(), key, bytes.NewReader(data), 0); err != nil {
					t.Errorf("Put(%q) round %d error: %v", key, i, err)
					return
				}
				o, err := b.Open(t.Context(), key)
				if err != nil {
					t.Errorf("Open(%q) right after its Put, round %d: %v", key, i, err)
					return
				}
				got, err := io.ReadAll(o)
				o.Close()
				if err != nil || !bytes.Equal(got, data) {
					t.Errorf("read %q round %d = %q, %v, want %q", key, i, got, err, data)
					return
				}
				if err := b.Delete(t.Context(), key); err != nil {
					t.Errorf("Delete(%q) round %d error: %v", key, i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	wantKeys(t, b, "")
}

func randomBytes(n int) []byte {
	p := make([]byte, n)
	rand.Read(p)
	return p
}

func mustPut(t *testing.T, b blob.Bucket, key string, data []byte) {
	t.Helper()
	n, err := b.Put(t.Context(), key, bytes.NewReader(data), 0)
	if err != nil {
		t.Fatalf("Put(%q) error: %v", key, err)
	}
	if n != int64(len(data)) {
		t.Fatalf("Put(%q) = %d, want %d", key, n, len(data))
	}
}

func mustRead(t *testing.T, b blob.Bucket, key string) []byte {
	t.Helper()
	o, err := b.Open(t.Context(), key)
	if err != nil {
		t.Fatalf("Open(%q) error: %v", key, err)
	}
	defer o.Close()
	p, err := io.ReadAll(o)
	if err != nil {
		t.Fatalf("read %q: %v", key, err)
	}
	if int64(len(p)) != o.Info().Size {
		t.Fatalf("%q: read %d bytes, Info().Size = %d", key, len(p), o.Info().Size)
	}
	return p
}

func wantNotFound(t *testing.T, b blob.Bucket, key string) {
	t.Helper()
	if o, err := b.Open(t.Context(), key); !errors.Is(err, blob.ErrNotFound) {
		if err == nil {
			o.Close()
		}
		t.Errorf("Open(%q) error = %v, want ErrNotFound", key, err)
	}
	if _, err := b.Stat(t.Context(), key); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("Stat(%q) error = %v, want ErrNotFound", key, err)
	}
}

func wantKeys(t *testing.T, b blob.Bucket, prefix string, want ...string) {
	t.Helper()
	infos, err := b.List(t.Context(), prefix)
	if err != nil {
		t.Fatalf("List(%q) error: %v", prefix, err)
	}
	if got := keysOf(infos); !slices.Equal(got, want) {
		t.Errorf("List(%q) = %q, want %q", prefix, got, want)
	}
}

func keysOf(infos []blob.Info) []string {
	var keys []string
	for _, info := range infos {
		keys = append(keys, info.Key)
	}
	return keys
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// cancellingReader yields bytes forever and calls cancel once it has yielded
// after bytes.
type cancellingReader struct {
	after  int
	read   int
	cancel context.CancelFunc
}

func (c *cancellingReader) Read(p []byte) (int, error) {
	if c.read >= c.after {
		c.cancel()
	}
	clear(p)
	c.read += len(p)
	return len(p), nil
}

// exerciseCreate: bytes written to a Writer (and to its File, when it has
// one) appear under the key only at Commit, replacing the old object;
// Abort leaves nothing, and neither leaves anything in List.
func exerciseCreate(t *testing.T, b blob.Bucket) {
	ctx := t.Context()
	old := randomBytes(100)
	if _, err := b.Put(ctx, "w/a.bin", bytes.NewReader(old), 0); err != nil {
		t.Fatal(err)
	}
	data := randomBytes(3<<20 + 5)
	w, err := b.Create(ctx, "w/a.bin")
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	defer w.Abort()
	half := len(data) / 2
	if _, err := w.Write(data[:half]); err != nil {
		t.Fatal(err)
	}
	if f := w.File(); f != nil {
		// A kernel copy into the file: ReadFrom of an *os.File.
		if _, err := f.ReadFrom(bytes.NewReader(data[half:])); err != nil {
			t.Fatal(err)
		}
	} else if _, err := w.Write(data[half:]); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, b, "w/a.bin"); !bytes.Equal(got, old) {
		t.Fatalf("before Commit the key reads %d bytes, want the old %d", len(got), len(old))
	}
	n, err := w.Commit(ctx)
	if err != nil || n != int64(len(data)) {
		t.Fatalf("Commit = %d, %v; want %d", n, err, len(data))
	}
	w.Abort() // no effect after Commit
	if got := readAll(t, b, "w/a.bin"); !bytes.Equal(got, data) {
		t.Fatalf("after Commit the key reads %d bytes that differ from the %d written", len(got), len(data))
	}
	if _, err := w.Commit(ctx); err == nil {
		t.Error("a second Commit succeeded")
	}

	w, err = b.Create(ctx, "w/b.bin")
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data[:10])
	w.Abort()
	w.Abort()
	if _, err := b.Stat(ctx, "w/b.bin"); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("Stat after Abort: %v, want ErrNotFound", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	w, err = b.Create(ctx, "w/c.bin")
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data[:10])
	cancel()
	if _, err := w.Commit(cancelled); !errors.Is(err, context.Canceled) {
		t.Errorf("Commit with a cancelled context: %v, want context.Canceled", err)
	}
	list, err := b.List(ctx, "w/")
	if err != nil || len(list) != 1 || list[0].Key != "w/a.bin" {
		t.Errorf("List = %+v, %v; want only w/a.bin", list, err)
	}
	if _, err := b.Create(ctx, "../x"); !errors.Is(err, blob.ErrInvalidKey) {
		t.Errorf("Create(../x): %v, want ErrInvalidKey", err)
	}
}

// readAll returns the bytes of the object under key.
func readAll(t *testing.T, b blob.Bucket, key string) []byte {
	t.Helper()
	o, err := b.Open(t.Context(), key)
	if err != nil {
		t.Fatalf("Open(%q): %v", key, err)
	}
	defer o.Close()
	got, err := io.ReadAll(o)
	if err != nil {
		t.Fatalf("read %q: %v", key, err)
	}
	return got
}
