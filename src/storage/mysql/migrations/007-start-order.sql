-- graph-task schema, version 7: executions listed newest first by start time.
-- `{{prefix}}` is the storage's tablePrefix.
--
-- Ids chosen by the caller (through the execution queue) do not sort by time, so
-- lists walk (started_at, id) rather than id. by_started holds (started_at, id) already
-- (InnoDB appends the primary key); these serve the lists filtered by workflow,
-- by status, or both, in that order, so that a page stops at its limit.
ALTER TABLE `{{prefix}}executions`
  ADD KEY by_workflow_started (workflow_id, started_at, id),
  ADD KEY by_status_started (status, started_at, id),
  ADD KEY by_workflow_status_started (workflow_id, status, started_at, id);
