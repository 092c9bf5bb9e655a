-- graph-task schema, version 3: inputs and outputs of any size.
-- `{{prefix}}` is the storage's tablePrefix.
--
-- A value whose row would not fit under max_allowed_packet (an execution input or
-- a task output of tens of MB) is stored here in parts, each a statement of its
-- own, in the same transaction as its row; the row keeps an empty value and the
-- number of parts. Reads put the parts back together in order.

CREATE TABLE IF NOT EXISTS `{{prefix}}blobs` (
  execution_id     CHAR(26)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  task_id          VARCHAR(128) NOT NULL COMMENT 'empty for the execution input, else the task whose output this is',
  part             INT UNSIGNED NOT NULL COMMENT 'from 0',
  bytes            LONGBLOB     NOT NULL,
  PRIMARY KEY (execution_id, task_id, part)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

ALTER TABLE `{{prefix}}executions`
  ADD COLUMN input_parts INT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'parts of the input in blobs; 0 when inline' AFTER input;

ALTER TABLE `{{prefix}}task_results`
  ADD COLUMN output_parts INT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'parts of the output in blobs; 0 when inline' AFTER output;
