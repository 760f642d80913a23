-- Times are BIGINT microseconds since the Unix epoch, UTC; NULL is the zero time.

CREATE TABLE app (
    id          BIGINT  PRIMARY KEY,
    name        TEXT    NOT NULL,
    create_time BIGINT  NOT NULL
);

CREATE TABLE api_key (
    secret_id   TEXT    PRIMARY KEY,
    secret_key  TEXT    NOT NULL,
    create_time BIGINT  NOT NULL
);

CREATE TABLE upload_session (
    session_key     TEXT    PRIMARY KEY,
    sub_app_id      BIGINT  NOT NULL REFERENCES app (id),
    media_type      TEXT    NOT NULL,
    media_name      TEXT    NOT NULL,
    class_id        BIGINT  NOT NULL,
    source_context  TEXT    NOT NULL,
    session_context TEXT    NOT NULL,
    storage_key     TEXT    NOT NULL,
    expire_time     BIGINT ,
    create_time     BIGINT  NOT NULL,
    deadline        BIGINT  NOT NULL,
    uploaded_size   BIGINT  NOT NULL,
    file_id         TEXT    NOT NULL
);
CREATE INDEX upload_session_deadline ON upload_session (deadline);

CREATE TABLE media (
    file_id        TEXT    PRIMARY KEY,
    sub_app_id     BIGINT  NOT NULL REFERENCES app (id),
    name           TEXT    NOT NULL,
    description    TEXT    NOT NULL,
    class_id       BIGINT  NOT NULL,
    type           TEXT    NOT NULL,
    storage_key    TEXT    NOT NULL,
    size           BIGINT  NOT NULL,
    source_type    TEXT    NOT NULL,
    source_context TEXT    NOT NULL,
    meta_data      BYTEA,
    meta_error     TEXT    NOT NULL,
    create_time    BIGINT  NOT NULL,
    update_time    BIGINT ,
    expire_time    BIGINT 
);
CREATE INDEX media_expire_time ON media (expire_time);
CREATE INDEX media_storage_key ON media (storage_key);

CREATE TABLE task (
    id                 TEXT    PRIMARY KEY,
    sub_app_id         BIGINT  NOT NULL REFERENCES app (id),
    type               TEXT    NOT NULL,
    status             TEXT    NOT NULL,
    input              BYTEA,
    output             BYTEA,
    err_code           BIGINT  NOT NULL,
    message            TEXT    NOT NULL,
    progress           BIGINT  NOT NULL,
    attempts           BIGINT  NOT NULL,
    session_id         TEXT    NOT NULL,
    owner              TEXT    NOT NULL DEFAULT '',
    lease_until        BIGINT ,
    create_time        BIGINT  NOT NULL,
    begin_process_time BIGINT ,
    finish_time        BIGINT 
);
CREATE INDEX task_runnable ON task (create_time, id) WHERE status <> 'FINISH';
CREATE INDEX task_session ON task (sub_app_id, session_id, type, create_time);
