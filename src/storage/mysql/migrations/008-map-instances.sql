-- graph-task schema, version 6: instances of mapped tasks. A mapped task has one row of
-- its own (map_index -1, map_size its instance count once expanded) and one row per
-- instance (map_index 0, 1, ...), each with its own status, attempts, error and output.
-- Log lines of an instance carry its index; its spans carry it as the attribute
-- task.map_index. Outputs stored in parts are keyed `task[index]` in blobs, hence the
-- longer task_id there.
ALTER TABLE `{{prefix}}task_results`
  ADD COLUMN map_index INT NOT NULL DEFAULT -1 COMMENT 'index of an instance of a mapped task; -1 for any other row' AFTER task_id,
  ADD COLUMN map_size INT UNSIGNED NULL COMMENT 'instances of a mapped task, once expanded' AFTER map_index,
  DROP PRIMARY KEY,
  ADD PRIMARY KEY (execution_id, task_id, map_index);

ALTER TABLE `{{prefix}}blobs`
  MODIFY task_id VARCHAR(160) NOT NULL COMMENT 'empty for the execution input, else the task whose output this is (task[index] for an instance)';

ALTER TABLE `{{prefix}}logs`
  ADD COLUMN map_index INT NULL COMMENT 'index of the instance of a mapped task that logged it' AFTER task_id;
