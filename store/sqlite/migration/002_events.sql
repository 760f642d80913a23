-- The event log: one row per event, consumed by push or pull (wire contract §5).

CREATE TABLE event_config (
    sub_app_id           INTEGER PRIMARY KEY REFERENCES app (id),
    mode                 TEXT    NOT NULL,
    notification_url     TEXT    NOT NULL,
    upload_media_switch  INTEGER NOT NULL,
    delete_media_switch  INTEGER NOT NULL,
    persistence_switch   INTEGER NOT NULL,
    sign_key             TEXT    NOT NULL,
    webhook_secret       TEXT    NOT NULL,
    update_time          INTEGER NOT NULL
);

CREATE TABLE event (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    id            TEXT    NOT NULL UNIQUE,
    sub_app_id    INTEGER NOT NULL REFERENCES app (id),
    type          TEXT    NOT NULL,
    body          BLOB    NOT NULL,
    create_time   INTEGER NOT NULL,
    state         TEXT    NOT NULL,
    available_at  INTEGER NOT NULL,
    owner         TEXT    NOT NULL DEFAULT '',
    lease_token   TEXT    NOT NULL DEFAULT '',
    lease_until   INTEGER,
    attempts      INTEGER NOT NULL DEFAULT 0,
    pulls         INTEGER NOT NULL DEFAULT 0,
    push_deadline INTEGER,
    consumed_time INTEGER
);
CREATE INDEX event_pullable ON event (sub_app_id, seq) WHERE state = 'pull';
CREATE INDEX event_pushable ON event (available_at) WHERE state = 'push';
CREATE INDEX event_create_time ON event (create_time);

CREATE TABLE delivery_attempt (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    event_seq   INTEGER NOT NULL,
    event_id    TEXT    NOT NULL,
    event_type  TEXT    NOT NULL,
    sub_app_id  INTEGER NOT NULL,
    time        INTEGER NOT NULL,
    url         TEXT    NOT NULL,
    status_code INTEGER NOT NULL,
    latency_us  INTEGER NOT NULL,
    error       TEXT    NOT NULL
);
CREATE INDEX delivery_attempt_app ON delivery_attempt (sub_app_id, id);
CREATE INDEX delivery_attempt_event ON delivery_attempt (event_id, id);
CREATE INDEX delivery_attempt_time ON delivery_attempt (time);
