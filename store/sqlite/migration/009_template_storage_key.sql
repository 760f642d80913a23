-- The blob a template refers to (a watermark template's image; '' for
-- none): media GETs serve it and the janitor's orphan sweep keeps it.
ALTER TABLE template ADD COLUMN storage_key TEXT NOT NULL DEFAULT '';
CREATE INDEX template_storage_key ON template (storage_key) WHERE storage_key <> '';
