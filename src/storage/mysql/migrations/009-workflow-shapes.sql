-- graph-task schema, version 9: the shape of each workflow definition that ran (task ids,
-- names, dependencies, handler references, map markers, the stage plan), once per
-- definition hash, as JSON text. A console or a report draws any execution's DAG from it
-- without the workflow's code; no code is kept, only what the definition says.
CREATE TABLE IF NOT EXISTS `{{prefix}}workflow_shapes` (
  definition_hash  CHAR(64)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  workflow_id      VARCHAR(128) NOT NULL,
  workflow_version VARCHAR(255) NOT NULL,
  shape            LONGTEXT     NOT NULL COMMENT 'JSON: tasks, stages, critical path',
  created_at       DATETIME(6)  NOT NULL COMMENT 'UTC',
  PRIMARY KEY (definition_hash)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
