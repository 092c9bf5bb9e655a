// graph-task/otel: helpers for OpenTelemetry beyond the engine's `openTelemetry` option.
export { executeUnderTraceparent } from '../telemetry/otel/execute-under.js'
export type { OpenTelemetryOptions, TracerProviderLike, MeterProviderLike } from '../telemetry/otel/otel-options.js'
