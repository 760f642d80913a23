package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/store/postgres"
	"github.com/openvod/openvod/store/sqlite"
)

// openStore opens the database named by d, creating the data directory.
// A SQLite database is locked to this process: two servers on one SQLite
// file would corrupt each other's task leases.
func openStore(ctx context.Context, d dataSettings, lock bool) (store.Store, func(), error) {
	if err := os.MkdirAll(*d.DataDir, 0o755); err != nil {
		return nil, nil, err
	}
	dsn := d.dsn()
	if isPostgres(dsn) {
		st, err := postgres.Open(ctx, dsn)
		return st, func() {}, err
	}
	path := strings.TrimPrefix(dsn, "sqlite://")
	unlock := func() {}
	if lock {
		var err error
		if unlock, err = lockFile(path + ".lock"); err != nil {
			return nil, nil, err
		}
	}
	st, err := sqlite.Open(ctx, path, sqlite.Options{Synchronous: strings.ToUpper(*d.SQLiteSynchronous)})
	if err != nil {
		unlock()
		return nil, nil, err
	}
	return st, unlock, nil
}

// lockFile takes an exclusive lock on path for the life of the process.
func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("another openvod server uses %s (lock %s held)", strings.TrimSuffix(path, ".lock"), path)
	}
	return func() { f.Close() }, nil
}

// credentials is the key file written on first start.
type credentials struct {
	SecretId  string `json:"SecretId"`
	SecretKey string `json:"SecretKey"`
	SubAppId  int64  `json:"SubAppId"`
}

const credentialsFile = "credentials.json"

// bootstrap creates the default app on first start and makes sure an API
// key exists: the one given in the environment, or a generated one that is
// written to the key file (mode 0600). It returns the key and whether it
// was created now (and so must be shown once).
func bootstrap(ctx context.Context, st store.Store, dataDir, secretID, secretKey string, now time.Time) (*openvod.APIKey, bool, error) {
	apps, err := st.AppList(ctx)
	if err != nil {
		return nil, false, err
	}
	if len(apps) == 0 {
		if _, err := st.AppCreate(ctx, "default", now); err != nil {
			return nil, false, fmt.Errorf("create the default app: %w", err)
		}
	}
	if secretID != "" || secretKey != "" {
		if secretID == "" || secretKey == "" {
			return nil, false, errors.New("set both OPENVOD_SECRET_ID and OPENVOD_SECRET_KEY, or neither")
		}
		k, _, err := ensureKey(ctx, st, &openvod.APIKey{SecretID: secretID, SecretKey: secretKey, CreateTime: now})
		return k, false, err
	}
	keyPath := filepath.Join(dataDir, credentialsFile)
	if b, err := os.ReadFile(keyPath); err == nil {
		var c credentials
		if err := json.Unmarshal(b, &c); err != nil {
			return nil, false, fmt.Errorf("%s: %w", keyPath, err)
		}
		k, _, err := ensureKey(ctx, st, &openvod.APIKey{SecretID: c.SecretId, SecretKey: c.SecretKey, CreateTime: now})
		return k, false, err
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, false, err
	}
	k := openvod.NewAPIKey(now)
	if err := st.KeyInsert(ctx, k); err != nil {
		return nil, false, err
	}
	b, _ := json.MarshalIndent(credentials{SecretId: k.SecretID, SecretKey: k.SecretKey, SubAppId: openvod.DefaultSubAppID}, "", "  ")
	if err := writeFileAtomic(keyPath, append(b, '\n'), 0o600); err != nil {
		return nil, false, err
	}
	return k, true, nil
}

// ensureKey stores k unless its SecretId exists with the same SecretKey.
func ensureKey(ctx context.Context, st store.Store, k *openvod.APIKey) (*openvod.APIKey, bool, error) {
	got, err := st.KeyGet(ctx, k.SecretID)
	if errors.Is(err, store.ErrNotFound) {
		return k, true, st.KeyInsert(ctx, k)
	}
	if err != nil {
		return nil, false, err
	}
	if got.SecretKey != k.SecretKey {
		return nil, false, fmt.Errorf("SecretId %s already exists with another SecretKey", k.SecretID)
	}
	return got, false, nil
}

// writeFileAtomic writes a file under a temporary name, syncs and renames it.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
