-- The task flow (procedure template) an ApplyUpload names: CommitUpload
-- starts it on the new media ("" for none).
ALTER TABLE upload_session ADD COLUMN procedure_name TEXT NOT NULL DEFAULT '';
