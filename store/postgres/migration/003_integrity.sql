-- Upload claims, task output keys and SessionId ownership (docs/architecture.md, Decisions).

-- A PUT claims its session before it streams: claim_token names the attempt,
-- whose claim lasts until claim_until unless renewed.
ALTER TABLE upload_session ADD COLUMN claim_token TEXT NOT NULL DEFAULT '';
ALTER TABLE upload_session ADD COLUMN claim_until BIGINT;
CREATE INDEX upload_session_storage_key ON upload_session (storage_key);

-- The blob key a task writes; the janitor keeps it while the task is not finished.
ALTER TABLE task ADD COLUMN output_key TEXT NOT NULL DEFAULT '';
CREATE INDEX task_output_key ON task (output_key) WHERE status <> 'FINISH';

-- The task that holds a SessionId: one row per app, type and SessionId, so
-- that concurrent retries insert one task. The row is replaced when its task
-- is older than the deduplication window.
DROP INDEX task_session;
CREATE TABLE task_session (
    sub_app_id  BIGINT  NOT NULL REFERENCES app (id),
    type        TEXT    NOT NULL,
    session_id  TEXT    NOT NULL,
    task_id     TEXT    NOT NULL,
    create_time BIGINT  NOT NULL,
    PRIMARY KEY (sub_app_id, type, session_id)
);
INSERT INTO task_session (sub_app_id, type, session_id, task_id, create_time)
SELECT sub_app_id, type, session_id, id, create_time FROM (
    SELECT sub_app_id, type, session_id, id, create_time, ROW_NUMBER() OVER (
        PARTITION BY sub_app_id, type, session_id ORDER BY create_time DESC, id DESC) AS n
    FROM task WHERE session_id <> ''
) AS newest WHERE n = 1;
