-- Times are INTEGER microseconds since the Unix epoch, UTC; NULL is the zero time.

CREATE TABLE app (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    create_time INTEGER NOT NULL
);

CREATE TABLE api_key (
    secret_id   TEXT    PRIMARY KEY,
    secret_key  TEXT    NOT NULL,
    create_time INTEGER NOT NULL
);

CREATE TABLE upload_session (
    session_key     TEXT    PRIMARY KEY,
    sub_app_id      INTEGER NOT NULL REFERENCES app (id),
    media_type      TEXT    NOT NULL,
    media_name      TEXT    NOT NULL,
    class_id        INTEGER NOT NULL,
    source_context  TEXT    NOT NULL,
    session_context TEXT    NOT NULL,
    storage_key     TEXT    NOT NULL,
    expire_time     INTEGER,
    create_time     INTEGER NOT NULL,
    deadline        INTEGER NOT NULL,
    uploaded_size   INTEGER NOT NULL,
    file_id         TEXT    NOT NULL
);
CREATE INDEX upload_session_deadline ON upload_session (deadline);

CREATE TABLE media (
    file_id        TEXT    PRIMARY KEY,
    sub_app_id     INTEGER NOT NULL REFERENCES app (id),
    name           TEXT    NOT NULL,
    description    TEXT    NOT NULL,
    class_id       INTEGER NOT NULL,
    type           TEXT    NOT NULL,
    storage_key    TEXT    NOT NULL,
    size           INTEGER NOT NULL,
    source_type    TEXT    NOT NULL,
    source_context TEXT    NOT NULL,
    meta_data      BLOB,
    meta_error     TEXT    NOT NULL,
    create_time    INTEGER NOT NULL,
    update_time    INTEGER,
    expire_time    INTEGER
);
CREATE INDEX media_expire_time ON media (expire_time);
CREATE INDEX media_storage_key ON media (storage_key);

CREATE TABLE task (
    id                 TEXT    PRIMARY KEY,
    sub_app_id         INTEGER NOT NULL REFERENCES app (id),
    type               TEXT    NOT NULL,
    status             TEXT    NOT NULL,
    input              BLOB,
    output             BLOB,
    err_code           INTEGER NOT NULL,
    message            TEXT    NOT NULL,
    progress           INTEGER NOT NULL,
    attempts           INTEGER NOT NULL,
    session_id         TEXT    NOT NULL,
    owner              TEXT    NOT NULL DEFAULT '',
    lease_until        INTEGER,
    create_time        INTEGER NOT NULL,
    begin_process_time INTEGER,
    finish_time        INTEGER
);
CREATE INDEX task_runnable ON task (create_time, id) WHERE status <> 'FINISH';
CREATE INDEX task_session ON task (sub_app_id, session_id, type, create_time);
