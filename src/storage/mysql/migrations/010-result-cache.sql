-- graph-task schema, version 10: cached task results, shared by every instance.
-- `{{prefix}}` is the storage's tablePrefix.
--
-- One row per cache key (the hex SHA-256 of what decides a task's output). The
-- output is kept inline when small, else in parts in result_cache_parts (as outputs
-- are in blobs), with the SHA-256 of its bytes: a value whose parts are missing or
-- whose bytes do not match is read as a miss. Times are epoch ms; expires_at 0 for never.

CREATE TABLE IF NOT EXISTS `{{prefix}}result_cache` (
  cache_key        CHAR(64)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  workflow_id      VARCHAR(128) NOT NULL,
  task_id          VARCHAR(128) NOT NULL,
  digest           BINARY(32)   NOT NULL COMMENT 'SHA-256 of the output bytes',
  size             BIGINT UNSIGNED NOT NULL COMMENT 'bytes of the output',
  output           LONGBLOB     NULL COMMENT 'node:v8 serialize of the output; empty when in parts',
  output_parts     INT UNSIGNED NOT NULL DEFAULT 0,
  created_at       BIGINT       NOT NULL COMMENT 'epoch ms',
  expires_at       BIGINT       NOT NULL DEFAULT 0 COMMENT 'epoch ms; 0 for never',
  PRIMARY KEY (cache_key),
  KEY by_task (workflow_id, task_id),
  KEY by_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS `{{prefix}}result_cache_parts` (
  cache_key        CHAR(64)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  part             INT UNSIGNED NOT NULL COMMENT 'from 0',
  bytes            LONGBLOB     NOT NULL,
  PRIMARY KEY (cache_key, part)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A task that took its output from the cache (its handler was not called).
ALTER TABLE `{{prefix}}task_results`
  ADD COLUMN cached TINYINT(1) NOT NULL DEFAULT 0 AFTER reused_from;
