-- graph-task schema, version 2: what manual retry and crash recovery share between
-- instances (the engine logic lives with the issue "Manual retry, resume and crash
-- recovery across instances"). `{{prefix}}` is the storage's tablePrefix.

-- One row per failed (or interrupted) execution that may be retried.
-- A retry is claimed atomically with
--   UPDATE ... SET status = 'retrying', claimed_by = ?, claimed_at = ?
--   WHERE execution_id = ? AND status = 'pending'
-- and the instance whose UPDATE changed one row starts it.
CREATE TABLE IF NOT EXISTS `{{prefix}}retry_records` (
  execution_id      CHAR(26)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL COMMENT 'the execution that failed first',
  workflow_id       VARCHAR(128) NOT NULL,
  definition_hash   CHAR(64)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  status            VARCHAR(16)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL COMMENT 'pending, retrying, recovered or abandoned',
  reason            VARCHAR(16)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL COMMENT 'failed or interrupted',
  failed_task_id    VARCHAR(128) NULL,
  error_code        TEXT         NOT NULL,
  error_message     LONGTEXT     NOT NULL,
  failed_at         DATETIME(6)  NOT NULL COMMENT 'UTC',
  updated_at        DATETIME(6)  NOT NULL COMMENT 'UTC',
  last_execution_id CHAR(26)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL COMMENT 'the latest attempt: what a resume starts from',
  manual_attempts   INT UNSIGNED NOT NULL DEFAULT 0,
  claimed_by        VARCHAR(255) NULL COMMENT 'instance id holding the claim',
  claimed_at        DATETIME(6)  NULL COMMENT 'UTC',
  recovered_by      CHAR(26)     CHARACTER SET ascii COLLATE ascii_bin NULL COMMENT 'the retry that succeeded',
  abandoned_reason  LONGTEXT     NULL,
  PRIMARY KEY (execution_id),
  KEY by_status (status, failed_at),
  KEY by_workflow (workflow_id, status, failed_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Engine instances and their heartbeats: executions left `running` by an instance
-- whose heartbeat is older than the timeout are interrupted.
CREATE TABLE IF NOT EXISTS `{{prefix}}instances` (
  instance_id      VARCHAR(255) NOT NULL,
  hostname         VARCHAR(255) NOT NULL,
  pid              INT UNSIGNED NOT NULL,
  started_at       DATETIME(6)  NOT NULL COMMENT 'UTC',
  heartbeat_at     DATETIME(6)  NOT NULL COMMENT 'UTC',
  PRIMARY KEY (instance_id),
  KEY by_heartbeat (heartbeat_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

