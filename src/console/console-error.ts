/**
 * What the console's HTTP API answers when it refuses a request: each code has one HTTP
 * status, so a client can branch on either and they never disagree.
 */
import { EngineError, ErrorCodes, type ErrorCode } from '../errors.js'

const kStatusOfCode = Object.freeze({
  [ErrorCodes.BAD_REQUEST]: 400,
  [ErrorCodes.INVALID_OPTIONS]: 400,
  [ErrorCodes.UNAUTHORIZED]: 401,
  [ErrorCodes.FORBIDDEN]: 403,
  [ErrorCodes.STORAGE_READ_ONLY]: 403,
  [ErrorCodes.ROUTE_NOT_FOUND]: 404,
  [ErrorCodes.EXECUTION_NOT_FOUND]: 404,
  [ErrorCodes.WORKFLOW_NOT_FOUND]: 404,
  [ErrorCodes.METHOD_NOT_ALLOWED]: 405,
  [ErrorCodes.ACTION_UNAVAILABLE]: 409,
  [ErrorCodes.RETRY_NOT_ALLOWED]: 409,
  [ErrorCodes.RETRY_CONFLICT]: 409,
  [ErrorCodes.DEFINITION_CHANGED]: 409,
  [ErrorCodes.INTERNAL]: 500,
  [ErrorCodes.ENGINE_CLOSED]: 503,
  [ErrorCodes.STORAGE_UNAVAILABLE]: 503,
  [ErrorCodes.QUEUE_FULL]: 503,
  [ErrorCodes.STORAGE_BACKLOG]: 503
} as const)

/** A code the console's API answers with. */
export type ConsoleErrorCode = keyof typeof kStatusOfCode

/** The HTTP status of an error code: 500 for one the API does not answer with on purpose. */
export function statusOfCode (code: string): number {
  return (kStatusOfCode as Readonly<Record<string, number>>)[code] ?? 500
}

/** A request the console's HTTP API refuses; its HTTP status follows from its code. */
export class ConsoleRequestError extends EngineError {
  /** The HTTP status answered, one per code. */
  readonly status: number

  constructor (code: ConsoleErrorCode & ErrorCode, message: string) {
    super(code, message)
    this.name = 'ConsoleRequestError'
    this.status = kStatusOfCode[code]
  }
}
