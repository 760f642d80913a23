-- Media processing (docs/architecture.md, Decisions): task priorities and
-- the state of a task flow.

-- TasksPriority: runnable tasks are claimed higher priority first, then
-- oldest first, in the order of the runnable index.
ALTER TABLE task ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
DROP INDEX task_runnable;
CREATE INDEX task_runnable ON task (priority DESC, create_time, id) WHERE status <> 'FINISH';

-- What a task has done so far (a Procedure task's finished sub-tasks),
-- written by the lease holder so that a later attempt resumes from it.
ALTER TABLE task ADD COLUMN state BLOB;
