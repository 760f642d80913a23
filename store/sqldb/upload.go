package sqldb

import (
	"context"
	"fmt"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/store"
)

const uploadColumns = `session_key, sub_app_id, media_type, media_name, class_id, source_context,
session_context, storage_key, expire_time, create_time, deadline, uploaded_size, file_id, procedure_name`

func scanUpload(s scanner) (*openvod.UploadSession, error) {
	var u openvod.UploadSession
	err := s.Scan(&u.SessionKey, &u.SubAppID, &u.MediaType, &u.MediaName, &u.ClassID, &u.SourceContext,
		&u.SessionContext, &u.StorageKey, timeDest{&u.ExpireTime}, timeDest{&u.CreateTime},
		timeDest{&u.Deadline}, &u.UploadedSize, &u.FileID, &u.Procedure)
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// UploadSessionInsert implements store.Querier. It stores UploadedSize -1 and
// FileID "" whatever s holds.
func (q *querier) UploadSessionInsert(ctx context.Context, s *openvod.UploadSession) error {
	err := changedOne(q.exec(ctx, `INSERT INTO upload_session (`+uploadColumns+`)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, -1, '', ?)
ON CONFLICT DO NOTHING`,
		s.SessionKey, s.SubAppID, s.MediaType, s.MediaName, s.ClassID, s.SourceContext,
		s.SessionContext, s.StorageKey, timeArg(s.ExpireTime), timeArg(s.CreateTime), timeArg(s.Deadline), s.Procedure))
	if err != nil {
		return fmt.Errorf("upload session insert %s: %w", store.KeyRef(s.SessionKey), err)
	}
	return nil
}

// UploadSessionGet implements store.Querier.
func (q *querier) UploadSessionGet(ctx context.Context, key string) (*openvod.UploadSession, error) {
	s, err := scanUpload(q.queryRow(ctx, q.read, `SELECT `+uploadColumns+` FROM upload_session WHERE session_key = ?`, key))
	if err != nil {
		return nil, fmt.Errorf("upload session get %s: %w", store.KeyRef(key), notFound(err))
	}
	return s, nil
}

// UploadSessionClaim implements store.Querier. It returns ErrNotFound when
// the session does not exist.
func (q *querier) UploadSessionClaim(ctx context.Context, key, token string, now, until time.Time) error {
	if token == "" {
		return fmt.Errorf("upload session claim %s: empty token", store.KeyRef(key))
	}
	n, err := q.exec(ctx, `UPDATE upload_session SET claim_token = ?, claim_until = ?
WHERE session_key = ? AND file_id = '' AND uploaded_size < 0
AND (claim_token = '' OR claim_token = ? OR claim_until < ?)`, token, timeArg(until), key, token, timeArg(now))
	if err := q.uploadSessionChanged(ctx, key, n, err); err != nil {
		return fmt.Errorf("upload session claim %s: %w", store.KeyRef(key), err)
	}
	return nil
}

// UploadSessionRelease implements store.Querier.
func (q *querier) UploadSessionRelease(ctx context.Context, key, token string) error {
	if _, err := q.exec(ctx, `UPDATE upload_session SET claim_token = '', claim_until = NULL
WHERE session_key = ? AND claim_token = ? AND uploaded_size < 0`, key, token); err != nil {
		return fmt.Errorf("upload session release %s: %w", store.KeyRef(key), err)
	}
	return nil
}

// UploadSessionSetUploaded implements store.Querier. It returns ErrNotFound
// when the session does not exist.
func (q *querier) UploadSessionSetUploaded(ctx context.Context, key, token string, size int64) error {
	n, err := q.exec(ctx, `UPDATE upload_session SET uploaded_size = ?
WHERE session_key = ? AND claim_token = ? AND claim_token <> '' AND file_id = '' AND uploaded_size < 0`, size, key, token)
	if err := q.uploadSessionChanged(ctx, key, n, err); err != nil {
		return fmt.Errorf("upload session set uploaded %s: %w", store.KeyRef(key), err)
	}
	return nil
}

// UploadSessionSetCommitted implements store.Querier. It returns ErrNotFound
// when the session does not exist.
func (q *querier) UploadSessionSetCommitted(ctx context.Context, key, fileID string) error {
	n, err := q.exec(ctx, `UPDATE upload_session SET file_id = ? WHERE session_key = ? AND file_id = ''`, fileID, key)
	if err := q.uploadSessionChanged(ctx, key, n, err); err != nil {
		return fmt.Errorf("upload session set committed %s: %w", store.KeyRef(key), err)
	}
	return nil
}

// uploadSessionChanged explains a conditional update of a session that
// changed n rows: nil, ErrNotFound or ErrConflict.
func (q *querier) uploadSessionChanged(ctx context.Context, key string, n int64, err error) error {
	if err != nil || n == 1 {
		return err
	}
	var fileID string
	if err := q.queryRow(ctx, q.write, `SELECT file_id FROM upload_session WHERE session_key = ?`, key).Scan(&fileID); err != nil {
		return notFound(err)
	}
	return store.ErrConflict
}

// UploadSessionListStale implements store.Querier, earliest Deadline first.
func (q *querier) UploadSessionListStale(ctx context.Context, t time.Time, limit int) ([]*openvod.UploadSession, error) {
	all, err := queryAll(ctx, q, q.read, scanUpload, `SELECT `+uploadColumns+` FROM upload_session
WHERE deadline < ? ORDER BY deadline, session_key LIMIT ?`, timeArg(t), limit)
	if err != nil {
		return nil, fmt.Errorf("upload session list stale: %w", err)
	}
	return all, nil
}

// UploadSessionDelete implements store.Querier.
func (q *querier) UploadSessionDelete(ctx context.Context, key string) error {
	if _, err := q.exec(ctx, `DELETE FROM upload_session WHERE session_key = ?`, key); err != nil {
		return fmt.Errorf("upload session delete %s: %w", store.KeyRef(key), err)
	}
	return nil
}
