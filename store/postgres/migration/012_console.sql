-- Web console (console/): sign-in sessions, disabled API keys, and the
-- receiver's answer kept with each push attempt.

-- A console session: the SHA-256 of its cookie token (never the token), the
-- key pair it signed in with, its CSRF token and when it ends.
CREATE TABLE console_session (
    token_hash  TEXT    PRIMARY KEY,
    secret_id   TEXT    NOT NULL,
    csrf_token  TEXT    NOT NULL,
    create_time BIGINT  NOT NULL,
    expire_time BIGINT  NOT NULL
);
CREATE INDEX console_session_expire_time ON console_session (expire_time);
CREATE INDEX console_session_secret_id ON console_session (secret_id);

-- When the key was disabled; NULL while it is enabled.
ALTER TABLE api_key ADD COLUMN disable_time BIGINT;

-- The first bytes (at most 1 KiB) of the receiver's answer to a push.
ALTER TABLE delivery_attempt ADD COLUMN response_excerpt TEXT NOT NULL DEFAULT '';

-- SearchMedia and DescribeTasks page an app's rows by creation time.
CREATE INDEX media_app_create_time ON media (sub_app_id, create_time, file_id);
CREATE INDEX task_app_create_time ON task (sub_app_id, create_time, id);
