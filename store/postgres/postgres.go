// Package postgres opens the PostgreSQL metadata store through pgx's
// database/sql driver. Tasks are claimed with FOR UPDATE SKIP LOCKED, so any
// number of processes may share one database.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers driver "pgx"

	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/store/sqldb"
)

// Pool limits of the store's connection pool.
const (
	// MaxConnsDefault caps the connections one store opens.
	MaxConnsDefault = 32
	// ConnMaxIdleTimeDefault closes connections idle for longer.
	ConnMaxIdleTimeDefault = 5 * time.Minute
)

//go:embed migration/*.sql
var migrationFS embed.FS

// dialect is PostgreSQL's SQL. The migration lock is per schema, so that
// stores in different schemas of one database migrate independently.
var dialect = sqldb.Dialect{
	Name:           "postgres",
	NumberedParams: true,
	ClaimLock:      "FOR UPDATE SKIP LOCKED",
	MigrationLock:  `SELECT pg_advisory_xact_lock(hashtext('openvod migrate ' || current_schema()))`,
	RelaxTx:        `SET LOCAL synchronous_commit = off`,
	EventNotify:    `SELECT pg_notify(` + EventChannel + `, ?)`,
}

// EventChannel is the NOTIFY channel on which a new event's SubAppId is
// announced at commit, as an SQL literal naming the schema's channel.
const EventChannel = `'openvod_event_' || current_schema()`

// Open connects to the database at url (a postgres:// URL or key=value
// string as pgx accepts it; a search_path parameter selects the schema) and
// applies pending migrations; concurrent Opens of one schema are safe. The
// caller must Close the store.
func Open(ctx context.Context, url string) (store.Store, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("postgres open: %w", err)
	}
	db.SetMaxOpenConns(MaxConnsDefault)
	db.SetMaxIdleConns(MaxConnsDefault)
	db.SetConnMaxIdleTime(ConnMaxIdleTimeDefault)
	migrations, err := fs.Sub(migrationFS, "migration")
	if err == nil {
		err = sqldb.Migrate(ctx, db, dialect, migrations)
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres open: %w", err)
	}
	return &Store{DB: sqldb.New(db, db, dialect), url: url}, nil
}

// Store is the store Open returns. It has the store.EventListener
// capability.
type Store struct {
	*sqldb.DB
	url string
}

var _ store.EventListener = (*Store)(nil)
