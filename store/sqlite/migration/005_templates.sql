-- Custom media-processing templates (templates package): transcode,
-- adaptive streaming, snapshot, sprite, animated graphics and procedure
-- templates, each a JSON body of its kind.

-- The last Definition given in each app: one row per app, whose upsert
-- also makes an app's template inserts run one at a time.
CREATE TABLE template_sequence (
    sub_app_id      INTEGER PRIMARY KEY REFERENCES app (id),
    last_definition INTEGER NOT NULL
);

CREATE TABLE template (
    sub_app_id  INTEGER NOT NULL REFERENCES app (id),
    kind        TEXT    NOT NULL,
    definition  INTEGER NOT NULL,
    name        TEXT    NOT NULL,
    body        BLOB    NOT NULL,
    create_time INTEGER NOT NULL,
    update_time INTEGER NOT NULL,
    PRIMARY KEY (sub_app_id, kind, definition)
);
CREATE INDEX template_name ON template (sub_app_id, kind, name);
