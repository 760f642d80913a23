-- A pull lease picks an app's oldest pullable events in seq order. With the
-- partial index on (sub_app_id, seq), the primary key gives that order too,
-- and when much of the log is pullable the planner prefers it, expecting
-- pullable rows to be spread evenly: it then walks every consumed event
-- older than the first pullable one, on each lease (160 ms a lease with
-- 300,000 consumed events before 300,000 pullable ones). The lease orders
-- by seq + 0 (sqldb.Dialect.PullOrder), which only this index holds, so
-- it is the lease's only ordered path.
CREATE INDEX event_pullable_seq ON event (sub_app_id, (seq + 0)) WHERE state = 'pull';
DROP INDEX event_pullable;
