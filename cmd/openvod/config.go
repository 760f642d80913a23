package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// setting binds one flag to its environment variable: the flag wins, then
// the variable, then the default. A variable whose value does not parse is
// an error of parse, named by the variable; so is a positive setting given
// a value not above zero, named by the flag or variable that gave it.
type setting struct {
	fs       *flag.FlagSet
	getenv   func(string) string
	errs     []error
	envs     map[string]string // the variable of each number or duration flag
	positive []string          // flags whose given values must be above zero
}

func newSettings(name, summary string, getenv func(string) string, stderr io.Writer) *setting {
	fs := flag.NewFlagSet("openvod "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: openvod %s\n\nFlags (each also read from the environment variable shown):\n", summary)
		fs.PrintDefaults()
	}
	return &setting{fs: fs, getenv: getenv, envs: map[string]string{}}
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
	s.envs[name] = env
	return s.fs.Int64(name, envValue(s, env, def, func(v string) (int64, error) {
		return strconv.ParseInt(v, 10, 64)
	}, "an integer"), help+" ($"+env+")")
}

func (s *setting) Duration(name, env string, def time.Duration, help string) *time.Duration {
	s.envs[name] = env
	return s.fs.Duration(name, envValue(s, env, def, time.ParseDuration, "a duration such as 30s or 5m"), help+" ($"+env+")")
}

func (s *setting) Bool(name, env string, def bool, help string) *bool {
	return s.fs.Bool(name, envValue(s, env, def, strconv.ParseBool, "true or false"), help+" ($"+env+")")
}

// PositiveInt64 is Int64 for a count: a value given below 1 is an error.
func (s *setting) PositiveInt64(name, env string, def int64, help string) *int64 {
	s.positive = append(s.positive, name)
	return s.Int64(name, env, def, help)
}

// PositiveDuration is Duration for a time that zero or less makes no
// sense of: a value given not above zero is an error.
func (s *setting) PositiveDuration(name, env string, def time.Duration, help string) *time.Duration {
	s.positive = append(s.positive, name)
	return s.Duration(name, env, def, help)
}

// envValue returns the variable env parsed, def when it is unset, and
// records an error naming env when it does not parse.
func envValue[T any](s *setting, env string, def T, parse func(string) (T, error), want string) T {
	raw := s.getenv(env)
	if raw == "" {
		return def
	}
	v, err := parse(raw)
	if err != nil {
		s.errs = append(s.errs, fmt.Errorf("$%s=%q is not valid: want %s", env, raw, want))
		return def
	}
	return v
}

// parse parses the command line; a flag or a variable with a bad value is
// an error that names it.
func (s *setting) parse(args []string) error {
	if err := s.fs.Parse(args); err != nil {
		return err
	}
	onCommandLine := map[string]bool{}
	s.fs.Visit(func(f *flag.Flag) { onCommandLine[f.Name] = true })
	for _, name := range s.positive {
		f := s.fs.Lookup(name)
		var want string
		switch v := f.Value.(flag.Getter).Get().(type) {
		case int64:
			if v > 0 {
				continue
			}
			want = "a positive integer"
		case time.Duration:
			if v > 0 {
				continue
			}
			want = "a positive duration such as 30s or 5m"
		}
		// Only a given value is checked: a default of zero means "derived
		// from other settings" (as --workers-per-app's).
		env := s.envs[name]
		switch {
		case onCommandLine[name]:
			s.errs = append(s.errs, fmt.Errorf("--%s=%s is not valid: want %s", name, f.Value, want))
		case s.getenv(env) != "":
			s.errs = append(s.errs, fmt.Errorf("$%s=%q is not valid: want %s", env, s.getenv(env), want))
		}
	}
	return errors.Join(s.errs...)
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
