package postgres

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// ListenEvents implements store.EventListener with LISTEN on the schema's
// EventChannel, on a connection of its own. It reconnects after errors;
// events committed while it reconnects are found by pullers' next look.
func (s *Store) ListenEvents(ctx context.Context, logger *slog.Logger, notify func(subAppID int64)) {
	for ctx.Err() == nil {
		err := listenOnce(ctx, s.url, notify)
		if ctx.Err() != nil {
			return
		}
		logger.Warn("event notifications interrupted; reconnecting", "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

func listenOnce(ctx context.Context, url string, notify func(int64)) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var channel string
	if err := conn.QueryRow(ctx, `SELECT `+EventChannel).Scan(&channel); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		return err
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if id, err := strconv.ParseInt(n.Payload, 10, 64); err == nil {
			notify(id)
		}
	}
}
