-- graph-task schema, version 6: fencing of an execution's writes across instances.
-- `{{prefix}}` is the storage's tablePrefix.
--
-- An execution taken from the execution queue carries its delivery number (BullMQ's
-- count of starts of its job, which only grows). The instance that takes a redelivery
-- raises the execution's fence to its number before it reads what to resume; from then
-- on a write carrying a lower number (from an instance that froze past its lock and
-- woke up) changes nothing: the upserts compare the numbers in the statement, and a
-- flush drops the task rows and failure cases of an execution whose fence is higher,
-- under the execution row's lock. Executions run outside the queue carry 0, as do the
-- rows written before this version.
ALTER TABLE `{{prefix}}executions`
  ADD COLUMN fence INT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'delivery number of the instance that owns it';

ALTER TABLE `{{prefix}}task_results`
  ADD COLUMN fence INT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'delivery number of the instance that wrote it';
