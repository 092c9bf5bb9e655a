-- graph-task schema, version 5: the console's executions list filters by workflow
-- and status together and walks ids newest first. With one index per column the server
-- intersects by_workflow and by_status and sorts every match (25k rows of a 1M table for a
-- common pair) before it can return a page of 50; with both columns and the id in one
-- index it reads the page in order and stops. Numbered 005: 004 is taken by another branch.
ALTER TABLE `{{prefix}}executions`
  ADD KEY by_workflow_status (workflow_id, status, id);
