package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// setting binds one flag to its environment variable: the flag wins, then
// the variable, then the default.
type setting struct {
	fs     *flag.FlagSet
	getenv func(string) string
}

func newSettings(name, summary string, getenv func(string) string, stderr io.Writer) *setting {
	fs := flag.NewFlagSet("openvod "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: openvod %s\n\nFlags (each also read from the environment variable shown):\n", summary)
		fs.PrintDefaults()
	}
	return &setting{fs: fs, getenv: getenv}
}

func (s *setting) envDefault(env, def string) string {
	if v := s.getenv(env); v != "" {
		return v
	}
	return def
}

func (s *setting) String(name, env, def, help string) *string {
	return s.fs.String(name, s.envDefault(env, def), help+" ($"+env+")")
}

func (s *setting) Int64(name, env string, def int64, help string) *int64 {
	v, err := strconv.ParseInt(s.envDefault(env, strconv.FormatInt(def, 10)), 10, 64)
	if err != nil {
		v = def
	}
	return s.fs.Int64(name, v, help+" ($"+env+")")
}

func (s *setting) Duration(name, env string, def time.Duration, help string) *time.Duration {
	v, err := time.ParseDuration(s.envDefault(env, def.String()))
	if err != nil {
		v = def
	}
	return s.fs.Duration(name, v, help+" ($"+env+")")
}

// dataSettings are the flags of commands that open the data directory and database.
type dataSettings struct {
	DataDir           *string
	DB                *string
	SQLiteSynchronous *string
}

func (s *setting) data() dataSettings {
	return dataSettings{
		DataDir:           s.String("data-dir", "OPENVOD_DATA_DIR", "./data", "directory for the SQLite database, media files and the key file"),
		DB:                s.String("db", "OPENVOD_DB", "", "database: a SQLite file path or a postgres:// URL (default <data-dir>/openvod.db)"),
		SQLiteSynchronous: s.String("sqlite-synchronous", "OPENVOD_SQLITE_SYNCHRONOUS", "FULL", "SQLite synchronous mode: FULL (survives power loss) or NORMAL (survives a process crash)"),
	}
}

// dsn returns the database setting, defaulting to a file in the data directory.
func (d dataSettings) dsn() string {
	if *d.DB != "" {
		return *d.DB
	}
	return filepath.Join(*d.DataDir, "openvod.db")
}

func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}
