-- The event log: one row per event, consumed by push or pull (wire contract §5).

CREATE TABLE event_config (
    sub_app_id           BIGINT PRIMARY KEY REFERENCES app (id),
    mode                 TEXT    NOT NULL,
    notification_url     TEXT    NOT NULL,
    upload_media_switch  BOOLEAN NOT NULL,
    delete_media_switch  BOOLEAN NOT NULL,
    persistence_switch   BOOLEAN NOT NULL,
    sign_key             TEXT    NOT NULL,
    webhook_secret       TEXT    NOT NULL,
    update_time          BIGINT  NOT NULL
);

CREATE TABLE event (
    seq           BIGSERIAL PRIMARY KEY,
    id            TEXT    NOT NULL UNIQUE,
    sub_app_id    BIGINT  NOT NULL REFERENCES app (id),
    type          TEXT    NOT NULL,
    body          BYTEA   NOT NULL,
    create_time   BIGINT  NOT NULL,
    state         TEXT    NOT NULL,
    available_at  BIGINT  NOT NULL,
    owner         TEXT    NOT NULL DEFAULT '',
    lease_token   TEXT    NOT NULL DEFAULT '',
    lease_until   BIGINT,
    attempts      BIGINT  NOT NULL DEFAULT 0,
    pulls         BIGINT  NOT NULL DEFAULT 0,
    push_deadline BIGINT,
    consumed_time BIGINT
);
CREATE INDEX event_pullable ON event (sub_app_id, seq) WHERE state = 'pull';
CREATE INDEX event_pushable ON event (available_at) WHERE state = 'push';
CREATE INDEX event_create_time ON event (create_time);

CREATE TABLE delivery_attempt (
    id          BIGSERIAL PRIMARY KEY,
    event_seq   BIGINT  NOT NULL,
    event_id    TEXT    NOT NULL,
    event_type  TEXT    NOT NULL,
    sub_app_id  BIGINT  NOT NULL,
    time        BIGINT  NOT NULL,
    url         TEXT    NOT NULL,
    status_code BIGINT  NOT NULL,
    latency_us  BIGINT  NOT NULL,
    error       TEXT    NOT NULL
);
CREATE INDEX delivery_attempt_app ON delivery_attempt (sub_app_id, id);
CREATE INDEX delivery_attempt_event ON delivery_attempt (event_id, id);
CREATE INDEX delivery_attempt_time ON delivery_attempt (time);
