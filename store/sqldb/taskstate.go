package sqldb

import (
	"context"
	"fmt"
)

// TaskSetState implements store.Querier.
func (q *querier) TaskSetState(ctx context.Context, id, owner string, attempt int64, state []byte) error {
	err := changedOne(q.exec(ctx, `UPDATE task SET state = ?
WHERE id = ? AND owner = ? AND attempts = ? AND status = 'PROCESSING'`, bytesArg(state), id, owner, attempt))
	if err != nil {
		return fmt.Errorf("task set state %s by %s: %w", id, owner, err)
	}
	return nil
}
