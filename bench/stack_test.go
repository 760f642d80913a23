package bench

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/blob/local"
	"github.com/openvod/openvod/server"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/store/postgres"
	"github.com/openvod/openvod/store/postgres/pgtest"
	"github.com/openvod/openvod/store/sqlite"
	"github.com/openvod/openvod/vodevent"
)

// stack is a whole openvod server in this process, on a real store, behind
// a real HTTP listener on loopback.
type stack struct {
	srv    *server.Server
	http   *httptest.Server
	client *vodevent.Client
	st     store.Store
}

// newStack starts a server on SQLite (durability "FULL" or "NORMAL") or,
// with durability "postgres", on a fresh PostgreSQL schema.
func newStack(b *testing.B, durability string) *stack {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	dir := b.TempDir()
	var st store.Store
	var err error
	pgURL := ""
	if durability == "postgres" {
		pgURL = pgtest.URL(b)
		st, err = postgres.Open(ctx, pgURL)
	} else {
		st, err = sqlite.Open(ctx, filepath.Join(dir, "openvod.db"), sqlite.Options{Synchronous: durability})
	}
	if err != nil {
		b.Fatal(err)
	}
	if _, err := st.AppCreate(ctx, "bench", time.Now()); err != nil {
		b.Fatal(err)
	}
	if err := st.KeyInsert(ctx, &openvod.APIKey{SecretID: "AKIDbench", SecretKey: "benchsecret", CreateTime: time.Now()}); err != nil {
		b.Fatal(err)
	}
	blobs, err := local.New(filepath.Join(dir, "media"))
	if err != nil {
		b.Fatal(err)
	}
	srv := server.New(server.Config{Store: st, Blobs: blobs, Owner: "bench", PostgresURL: pgURL,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	hs := httptest.NewServer(srv.Handler)
	done := make(chan struct{})
	go func() { srv.Run(ctx); close(done) }()
	b.Cleanup(func() {
		hs.Close()
		cancel()
		<-done
		st.Close()
	})
	return &stack{srv: srv, http: hs, st: st, client: &vodevent.Client{Endpoint: hs.URL, SecretId: "AKIDbench", SecretKey: "benchsecret", HTTPClient: hs.Client()}}
}
