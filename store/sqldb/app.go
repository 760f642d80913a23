package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/store"
)

// appCreateAttempts bounds AppCreate's retries; each lost race means another
// app was created, so it is only reached under extreme contention.
const appCreateAttempts = 100

const appColumns = `id, name, create_time`

// appCreateSQL inserts the app with the next ID, or nothing when a concurrent
// transaction took that ID first. WHERE true keeps SQLite from reading
// ON CONFLICT as a join constraint.
const appCreateSQL = `INSERT INTO app (id, name, create_time)
SELECT COALESCE(MAX(id) + 1, ?), ?, ? FROM app WHERE true
ON CONFLICT (id) DO NOTHING
RETURNING ` + appColumns

func scanApp(s scanner) (*openvod.App, error) {
	var a openvod.App
	if err := s.Scan(&a.ID, &a.Name, timeDest{&a.CreateTime}); err != nil {
		return nil, err
	}
	return &a, nil
}

// AppCreate implements store.Querier.
func (q *querier) AppCreate(ctx context.Context, name string, now time.Time) (*openvod.App, error) {
	for range appCreateAttempts {
		a, err := scanApp(q.queryRow(ctx, q.write, appCreateSQL, openvod.DefaultSubAppID, name, timeArg(now)))
		if err == nil {
			return a, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("app create: %w", err)
		}
	}
	return nil, fmt.Errorf("app create: %w", store.ErrConflict)
}

// AppGet implements store.Querier.
func (q *querier) AppGet(ctx context.Context, id int64) (*openvod.App, error) {
	a, err := scanApp(q.queryRow(ctx, q.read, `SELECT `+appColumns+` FROM app WHERE id = ?`, id))
	if err != nil {
		return nil, fmt.Errorf("app get %d: %w", id, notFound(err))
	}
	return a, nil
}

// AppList implements store.Querier.
func (q *querier) AppList(ctx context.Context) ([]*openvod.App, error) {
	apps, err := queryAll(ctx, q, q.read, scanApp, `SELECT `+appColumns+` FROM app ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("app list: %w", err)
	}
	return apps, nil
}
