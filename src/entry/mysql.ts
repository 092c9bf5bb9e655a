// graph-task/mysql: execution history in MySQL or MariaDB through mysql2, shared by every
// instance that points at the same database.
export { MySQLStorage } from '../storage/mysql/mysql-storage.js'
export type { MySQLStorageOptions, MigrationResult, IntegrityReport, PurgeOptions, PurgeResult, RetentionRun, StorageStats, TableStats } from '../storage/mysql/mysql-storage.js'
export type { RetentionOptions, Duration } from '../storage/retention-options.js'
