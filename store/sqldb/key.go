package sqldb

import (
	"context"
	"fmt"

	"github.com/openvod/openvod"
)

const keyColumns = `secret_id, secret_key, create_time`

func scanKey(s scanner) (*openvod.APIKey, error) {
	var k openvod.APIKey
	if err := s.Scan(&k.SecretID, &k.SecretKey, timeDest{&k.CreateTime}); err != nil {
		return nil, err
	}
	return &k, nil
}

// KeyInsert implements store.Querier.
func (q *querier) KeyInsert(ctx context.Context, k *openvod.APIKey) error {
	err := changedOne(q.exec(ctx, `INSERT INTO api_key (`+keyColumns+`) VALUES (?, ?, ?)
ON CONFLICT DO NOTHING`, k.SecretID, k.SecretKey, timeArg(k.CreateTime)))
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
