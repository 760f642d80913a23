// Package storetest is the conformance suite of [store.Store]. Every backend
// runs [Exercise] from its own tests, so that the semantics the interface
// documents are checked once, against all of them.
package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/store"
)

// Exercise runs the conformance suite against the backend open opens. open
// must return a new, empty, migrated store that is closed when t ends; it is
// called once per subtest, and subtests run in parallel.
func Exercise(t *testing.T, open func(t *testing.T) store.Store) {
	t.Helper()
	tests := []struct {
		name string
		run  func(t *testing.T, s store.Store)
	}{
		{"App", testApp},
		{"AppCreateConcurrent", testAppCreateConcurrent},
		{"ConsoleSession", testConsoleSession},
		{"DeliveryAttemptExcerpt", testDeliveryAttemptExcerpt},
		{"EventConfig", testEventConfig},
		{"EventInsert", testEventInsert},
		{"EventInsertMany", testEventInsertMany},
		{"EventPull", testEventPull},
		{"EventPullConcurrent", testEventPullConcurrent},
		{"EventMoveRacesResults", testEventMoveRacesResults},
		{"EventPurgeAndAttempts", testEventPurgeAndAttempts},
		{"EventPush", testEventPush},
		{"EventStatus", testEventStatus},
		{"InTxCommit", testInTxCommit},
		{"InTxRelaxed", testInTxRelaxed},
		{"InTxRollback", testInTxRollback},
		{"Key", testKey},
		{"KeyDisable", testKeyDisable},
		{"KeyDisableConcurrent", testKeyDisableConcurrent},
		{"Media", testMedia},
		{"MediaGetMany", testMediaGetMany},
		{"MediaOutput", testMediaOutput},
		{"MediaSearch", testMediaSearch},
		{"MediaOutputManyKeys", testMediaOutputManyKeys},
		{"MediaOutputPutConcurrent", testMediaOutputPutConcurrent},
		{"Task", testTask},
		{"TaskClaim", testTaskClaim},
		{"TaskClaimConcurrent", testTaskClaimConcurrent},
		{"TaskList", testTaskList},
		{"TaskInsertOnce", testTaskInsertOnce},
		{"TaskInsertOnceConcurrent", testTaskInsertOnceConcurrent},
		{"TaskPriority", testTaskPriority},
		{"TaskSetState", testTaskSetState},
		{"StorageKeysReferenced", testStorageKeysReferenced},
		{"StorageKeysReferencedOutputs", testStorageKeysReferencedOutputs},
		{"TaskClaimSkipApps", testTaskClaimSkipApps},
		{"Template", testTemplate},
		{"TemplateInsertConcurrent", testTemplateInsertConcurrent},
		{"TemplateLimitAndName", testTemplateLimitAndName},
		{"TemplateStorageKey", testTemplateStorageKey},
		{"UploadSession", testUploadSession},
		{"UploadSessionClaim", testUploadSessionClaim},
		{"UploadSessionListStale", testUploadSessionListStale},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.run(t, open(t))
		})
	}
}

// epoch has sub-second digits down to the microsecond, the precision every
// backend must keep.
var epoch = time.Date(2026, 3, 4, 5, 6, 7, 123456000, time.UTC)

// at is epoch plus sec seconds.
func at(sec int) time.Time { return epoch.Add(time.Duration(sec) * time.Second) }

// must takes a call's results and returns a check that fails t when err is
// not nil and returns v otherwise: must(s.AppGet(ctx, id))(t).
func must[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// noErr fails t when err is not nil.
func noErr(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// isErr fails t unless err is want.
func isErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: err %v, want %v", what, err, want)
	}
}

// equal fails t unless got and want are deeply equal.
func equal[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\ngot  %s\nwant %s", what, show(got), show(want))
	}
}

// show formats v for a failure message, following pointers and slices.
func show(v any) string {
	if b, ok := v.([]byte); ok {
		return fmt.Sprintf("%q", b)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer:
		if rv.IsNil() {
			return "nil"
		}
		return fmt.Sprintf("%+v", rv.Elem().Interface())
	case reflect.Slice:
		parts := make([]string, rv.Len())
		for i := range parts {
			parts[i] = show(rv.Index(i).Interface())
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprintf("%+v", v)
}

// newApp creates an app or fails t.
func newApp(t *testing.T, q store.Querier, name string) *openvod.App {
	t.Helper()
	return must(q.AppCreate(t.Context(), name, at(0)))(t)
}
