-- Outputs of media processing (docs/architecture.md, "Outputs of processing"): one
-- set per media, kind and template, removed with its media.

CREATE TABLE media_output (
    file_id     TEXT    NOT NULL REFERENCES media (file_id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL,
    definition  INTEGER NOT NULL,
    sub_app_id  INTEGER NOT NULL,
    item        BLOB    NOT NULL,
    task_id     TEXT    NOT NULL,
    create_time INTEGER NOT NULL,
    PRIMARY KEY (file_id, kind, definition)
);

-- Every blob key of an output, a row each, so that media GETs and the
-- janitor find a key by the index.
CREATE TABLE media_output_key (
    file_id     TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    definition  INTEGER NOT NULL,
    key_index   INTEGER NOT NULL,
    storage_key TEXT    NOT NULL,
    PRIMARY KEY (file_id, kind, definition, key_index),
    FOREIGN KEY (file_id, kind, definition) REFERENCES media_output (file_id, kind, definition) ON DELETE CASCADE
);
CREATE INDEX media_output_key_storage_key ON media_output_key (storage_key);
