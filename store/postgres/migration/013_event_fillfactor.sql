-- A pull lease writes no indexed column (EventLeaseForPull), so PostgreSQL
-- can write the leased row in place, on the same page (a HOT update, which
-- inserts no index entries), when the page has room for its new version:
-- new pages of the event log are filled to 70%, so that many of the
-- leases find that room (44% in a harness: docs/benchmarks.md, "Reruns on a fresh, quiet
-- machine"). Pages written before keep their fill.
ALTER TABLE event SET (fillfactor = 70);
