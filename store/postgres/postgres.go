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

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/store/sqldb"
)

// Pool limits of the store's connection pool.
const (
	// MaxConnsDefault caps the connections one store opens for durable
	// work; RelaxedConnsDefault more serve its relaxed transactions.
	MaxConnsDefault     = 32
	RelaxedConnsDefault = 16
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
	RowLock:        "FOR UPDATE",
	PullOrder:      "seq + 0", // event_pullable_seq's key (migration 014)
	MigrationLock:  `SELECT pg_advisory_xact_lock(hashtext('openvod migrate ' || current_schema()))`,
	EventNotify:    `SELECT pg_notify(` + EventChannel + `, ?)`,
}

// EventChannel is the NOTIFY channel on which a new event's SubAppId is
// announced at commit, as an SQL literal naming the schema's channel.
const EventChannel = `'openvod_event_' || current_schema()`

// Open connects to the database at url (a postgres:// URL or key=value
// string as pgx accepts it; a search_path parameter selects the schema) and
// applies pending migrations; concurrent Opens of one schema are safe. The
// caller must Close the store.
//
// Relaxed transactions (store.Store.InTxRelaxed) run on a pool of their
// own whose connections start with synchronous_commit off, so that they
// take no statement more than a durable one, and with enable_sort off:
// they pick the oldest few events of a log that may hold millions (pull
// leases, push claims), which the indexes give in order, and a plan that
// sorts every candidate instead (chosen on statistics that do not yet know
// the log's size, as before the table's first analyze) costs a sort of the
// whole log per call.
func Open(ctx context.Context, url string) (store.Store, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres open: %w", err)
	}
	db := pool(cfg, MaxConnsDefault)
	migrations, err := fs.Sub(migrationFS, "migration")
	if err == nil {
		err = sqldb.Migrate(ctx, db, dialect, migrations)
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres open: %w", err)
	}
	relaxedCfg := cfg.Copy()
	relaxedCfg.RuntimeParams["synchronous_commit"] = "off"
	relaxedCfg.RuntimeParams["enable_sort"] = "off"
	relaxed := pool(relaxedCfg, RelaxedConnsDefault)
	return &Store{DB: sqldb.New(db, db, relaxed, dialect), url: url}, nil
}

// pool opens a pool of up to n connections of cfg.
func pool(cfg *pgx.ConnConfig, n int) *sql.DB {
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxIdleTime(ConnMaxIdleTimeDefault)
	return db
}

// Store is the store Open returns. It has the store.EventListener
// capability.
type Store struct {
	*sqldb.DB
	url string
}

var _ store.EventListener = (*Store)(nil)
