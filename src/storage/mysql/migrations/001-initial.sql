-- graph-task schema, version 1: execution history.
-- `{{prefix}}` is replaced by the storage's tablePrefix (checked to be an identifier).
-- Written for MySQL 8 and MariaDB 10.11: utf8mb4 throughout, utf8mb4_bin so that
-- comparisons are exact (ids and names are case-sensitive, as in memory); generated
-- ids, hex ids and statuses are ascii. Every statement can run twice (IF NOT EXISTS),
-- because DDL commits as it goes and a migration cut half-way is run again.

-- One row per execution, upserted at start and on each transition. Ids are
-- time-sortable (ULID layout), so the primary key is also the default order.
CREATE TABLE IF NOT EXISTS `{{prefix}}executions` (
  id               CHAR(26)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  workflow_id      VARCHAR(128) NOT NULL,
  workflow_version VARCHAR(255) NOT NULL,
  definition_hash  CHAR(64)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  status           VARCHAR(16)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  instance_id      VARCHAR(255) NOT NULL,
  input            LONGBLOB     NOT NULL COMMENT 'node:v8 serialize of the input',
  started_at       DATETIME(6)  NOT NULL COMMENT 'UTC',
  updated_at       DATETIME(6)  NOT NULL COMMENT 'UTC',
  ended_at         DATETIME(6)  NULL COMMENT 'UTC',
  total_tasks      INT UNSIGNED NOT NULL,
  completed_tasks  INT UNSIGNED NOT NULL,
  failed_tasks     INT UNSIGNED NOT NULL,
  error_code       TEXT         NULL,
  error_message    LONGTEXT     NULL,
  error_retryable  TINYINT(1)   NULL,
  error_stack      LONGTEXT     NULL,
  error_task_id    VARCHAR(128) NULL,
  retry_of         CHAR(26)     CHARACTER SET ascii COLLATE ascii_bin NULL,
  PRIMARY KEY (id),
  -- listExecutions filters on one of these and walks ids newest first.
  KEY by_workflow (workflow_id, id),
  KEY by_status (status, id),
  KEY by_started (started_at),
  KEY by_retry_of (retry_of),
  -- crash recovery: the executions a dead instance left running
  KEY by_instance (instance_id, status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One row per task of an execution, upserted as it changes; kept for failed executions.
CREATE TABLE IF NOT EXISTS `{{prefix}}task_results` (
  execution_id     CHAR(26)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  task_id          VARCHAR(128) NOT NULL,
  name             LONGTEXT     NOT NULL,
  status           VARCHAR(16)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  attempts         INT UNSIGNED NOT NULL,
  started_at       DATETIME(6)  NULL COMMENT 'UTC',
  ended_at         DATETIME(6)  NULL COMMENT 'UTC',
  duration         DOUBLE       NULL COMMENT 'ms',
  error_code       TEXT         NULL,
  error_message    LONGTEXT     NULL,
  error_retryable  TINYINT(1)   NULL,
  error_stack      LONGTEXT     NULL,
  output           LONGBLOB     NULL COMMENT 'node:v8 serialize of the output, kept for resume',
  reused_from      CHAR(26)     CHARACTER SET ascii COLLATE ascii_bin NULL,
  PRIMARY KEY (execution_id, task_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Log lines. `seq` is given by the writing process, in the order lines were
-- recorded, and stays the same when a batch is retried: with the execution id it
-- is the key that makes a retried INSERT a no-op instead of a duplicate, and the
-- clustered key keeps each execution's lines together and in order.
CREATE TABLE IF NOT EXISTS `{{prefix}}logs` (
  execution_id     CHAR(26)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  seq              BIGINT UNSIGNED NOT NULL,
  task_id          VARCHAR(128) NULL,
  attempt          INT UNSIGNED NULL,
  time             DATETIME(6)  NOT NULL COMMENT 'UTC',
  level            VARCHAR(8)   CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  level_value      TINYINT UNSIGNED NOT NULL COMMENT 'pino numbers: 10 trace .. 60 fatal',
  message          LONGTEXT     NOT NULL,
  data             LONGTEXT     NULL COMMENT 'JSON',
  PRIMARY KEY (execution_id, seq),
  KEY by_task (execution_id, task_id, seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Spans in OpenTelemetry's model: one root per execution, one per task attempt.
-- Span ids are random and unique, so a retried INSERT is a no-op on the key.
CREATE TABLE IF NOT EXISTS `{{prefix}}spans` (
  execution_id     CHAR(26)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  span_id          CHAR(16)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  trace_id         CHAR(32)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  parent_span_id   CHAR(16)     CHARACTER SET ascii COLLATE ascii_bin NULL,
  task_id          VARCHAR(128) NULL,
  name             LONGTEXT     NOT NULL,
  start_time       DATETIME(6)  NOT NULL COMMENT 'UTC',
  end_time         DATETIME(6)  NOT NULL COMMENT 'UTC',
  status_code      VARCHAR(8)   CHARACTER SET ascii COLLATE ascii_bin NOT NULL COMMENT 'UNSET, OK or ERROR',
  status_message   LONGTEXT     NULL,
  attributes       LONGTEXT     NOT NULL COMMENT 'JSON object',
  events           LONGTEXT     NULL COMMENT 'JSON array',
  PRIMARY KEY (execution_id, span_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
