-- Event log plans that hold as the log grows (docs/benchmarks.md, "Where the
-- time went").

-- Push claims take the due deliveries by (available_at, seq): with the seq
-- in the index they are read in that order, with no sort of every due row.
-- (SQLite's index holds the rowid, which is seq, already.)
CREATE INDEX event_pushable_order ON event (available_at, seq) WHERE state = 'push';
DROP INDEX event_pushable;

-- Every event is updated once or twice after its insert (lease, consume), so
-- the table churns at the rate of the log: vacuum its dead rows (which the
-- oldest-first scans of pullers and claimers walk over) and refresh its
-- statistics after 2% of it changed rather than the default 20% and 10%.
ALTER TABLE event SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);
