-- graph-task schema, version 4: history that does not grow forever.
-- `{{prefix}}` is the storage's tablePrefix; `{{partitions:TABLE:COLUMN}}` is replaced,
-- when the migration runs, by one day partition per UTC day from the day of the
-- table's oldest row to a week ahead, then `pmax` (see src/storage/mysql-partitions.ts).
--
-- Spans and logs are partitioned by day on their time column, so that retention
-- drops whole days (DROP PARTITION, a metadata change) instead of deleting rows.
-- Every unique key of a partitioned table must hold the partitioning column, so
-- the time joins each primary key. The keys stay unique as before: a span id or a
-- log line's sequence number comes back with the same time when a batch is retried,
-- so a retried INSERT is still a no-op on the key. Reads by execution id probe each
-- day partition's index (a handful, with retention of a week or so).
--
-- Both ALTERs copy their table once; run this migration (`graph-task db migrate`)
-- at a quiet time on a large database.

-- The purge looks up the failure cases whose latest attempt is an execution it removes.
ALTER TABLE `{{prefix}}retry_records` ADD KEY by_last_execution (last_execution_id);

ALTER TABLE `{{prefix}}spans` DROP PRIMARY KEY, ADD PRIMARY KEY (execution_id, span_id, start_time)
  PARTITION BY RANGE COLUMNS (start_time) (
  {{partitions:spans:start_time}}
);

ALTER TABLE `{{prefix}}logs` DROP PRIMARY KEY, ADD PRIMARY KEY (execution_id, seq, `time`)
  PARTITION BY RANGE COLUMNS (`time`) (
  {{partitions:logs:time}}
);
