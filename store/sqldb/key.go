package sqldb

import (
	"context"
	"fmt"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/store"
)

const keyColumns = `secret_id, secret_key, create_time, disable_time`

func scanKey(s scanner) (*openvod.APIKey, error) {
	var k openvod.APIKey
	if err := s.Scan(&k.SecretID, &k.SecretKey, timeDest{&k.CreateTime}, timeDest{&k.DisableTime}); err != nil {
		return nil, err
	}
	return &k, nil
}

// KeyInsert implements store.Querier.
func (q *querier) KeyInsert(ctx context.Context, k *openvod.APIKey) error {
	err := changedOne(q.exec(ctx, `INSERT INTO api_key (`+keyColumns+`) VALUES (?, ?, ?, ?)
ON CONFLICT DO NOTHING`, k.SecretID, k.SecretKey, timeArg(k.CreateTime), timeArg(k.DisableTime)))
	if err != nil {
		return fmt.Errorf("key insert %s: %w", k.SecretID, err)
	}
	return nil
}

// KeyGet implements store.Querier.
func (q *querier) KeyGet(ctx context.Context, secretID string) (*openvod.APIKey, error) {
	k, err := scanKey(q.queryRow(ctx, q.read, `SELECT `+keyColumns+` FROM api_key WHERE secret_id = ?`, secretID))
	if err != nil {
		return nil, fmt.Errorf("key get %s: %w", secretID, notFound(err))
	}
	return k, nil
}

// KeyList implements store.Querier.
func (q *querier) KeyList(ctx context.Context) ([]*openvod.APIKey, error) {
	keys, err := queryAll(ctx, q, q.read, scanKey, `SELECT `+keyColumns+` FROM api_key ORDER BY create_time, secret_id`)
	if err != nil {
		return nil, fmt.Errorf("key list: %w", err)
	}
	return keys, nil
}

// KeyDisable implements store.Querier inside a transaction; [DB] runs it
// in one of its own. It locks the enabled keys first (PostgreSQL), so that
// of two concurrent calls disabling the last two keys the second waits,
// then sees the first's change and refuses.
func (q *querier) KeyDisable(ctx context.Context, secretID string, now time.Time) error {
	k, err := q.KeyGet(ctx, secretID)
	if err != nil {
		return err
	}
	if !k.DisableTime.IsZero() {
		return nil
	}
	if q.d.RowLock != "" {
		if _, err := queryAll(ctx, q, q.write, func(s scanner) (*string, error) {
			id := new(string)
			return id, s.Scan(id)
		}, `SELECT secret_id FROM api_key WHERE disable_time IS NULL ORDER BY secret_id `+q.d.RowLock); err != nil {
			return fmt.Errorf("key disable %s: lock: %w", secretID, err)
		}
	}
	n, err := q.exec(ctx, `UPDATE api_key SET disable_time = ?
WHERE secret_id = ? AND disable_time IS NULL
AND EXISTS (SELECT 1 FROM api_key other WHERE other.disable_time IS NULL AND other.secret_id <> ?)`,
		timeArg(now), secretID, secretID)
	if err != nil {
		return fmt.Errorf("key disable %s: %w", secretID, err)
	}
	if n == 0 {
		if k, err := q.KeyGet(ctx, secretID); err == nil && !k.DisableTime.IsZero() {
			return nil // a concurrent call disabled it
		}
		return fmt.Errorf("key disable %s: the last enabled key: %w", secretID, store.ErrConflict)
	}
	if _, err := q.exec(ctx, `DELETE FROM console_session WHERE secret_id = ?`, secretID); err != nil {
		return fmt.Errorf("key disable %s: end sessions: %w", secretID, err)
	}
	return nil
}

// KeyDisable implements store.Querier in one transaction.
func (db *DB) KeyDisable(ctx context.Context, secretID string, now time.Time) error {
	return db.InTx(ctx, func(q store.Querier) error { return q.KeyDisable(ctx, secretID, now) })
}

const consoleSessionColumns = `token_hash, secret_id, csrf_token, create_time, expire_time`

// ConsoleSessionInsert implements store.Querier.
func (q *querier) ConsoleSessionInsert(ctx context.Context, s *store.ConsoleSession) error {
	err := changedOne(q.exec(ctx, `INSERT INTO console_session (`+consoleSessionColumns+`) VALUES (?, ?, ?, ?, ?)
ON CONFLICT DO NOTHING`, s.TokenHash, s.SecretID, s.CSRFToken, timeArg(s.CreateTime), timeArg(s.ExpireTime)))
	if err != nil {
		return fmt.Errorf("console session insert: %w", err)
	}
	return nil
}

// ConsoleSessionGet implements store.Querier.
func (q *querier) ConsoleSessionGet(ctx context.Context, tokenHash string, now time.Time) (*store.ConsoleSession, error) {
	var s store.ConsoleSession
	err := q.queryRow(ctx, q.read, `SELECT `+consoleSessionColumns+` FROM console_session
WHERE token_hash = ? AND expire_time > ?`, tokenHash, timeArg(now)).
		Scan(&s.TokenHash, &s.SecretID, &s.CSRFToken, timeDest{&s.CreateTime}, timeDest{&s.ExpireTime})
	if err != nil {
		return nil, fmt.Errorf("console session get: %w", notFound(err))
	}
	return &s, nil
}

// ConsoleSessionDelete implements store.Querier.
func (q *querier) ConsoleSessionDelete(ctx context.Context, tokenHash string) error {
	if _, err := q.exec(ctx, `DELETE FROM console_session WHERE token_hash = ?`, tokenHash); err != nil {
		return fmt.Errorf("console session delete: %w", err)
	}
	return nil
}

// ConsoleSessionPurge implements store.Querier.
func (q *querier) ConsoleSessionPurge(ctx context.Context, now time.Time) (int64, error) {
	n, err := q.exec(ctx, `DELETE FROM console_session WHERE expire_time <= ?`, timeArg(now))
	if err != nil {
		return 0, fmt.Errorf("console session purge: %w", err)
	}
	return n, nil
}
