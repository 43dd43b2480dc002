/**
 * An error the agent reports to its caller, with the gRPC status it maps to. Lower layers throw
 * it (or FieldError / CommandError, which the service maps too) without depending on grpc-js.
 */

export type AgentErrorCode =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'PERMISSION_DENIED'
  | 'UNAUTHENTICATED'
  | 'RESOURCE_EXHAUSTED'
  | 'FAILED_PRECONDITION'
  | 'ABORTED'
  | 'DEADLINE_EXCEEDED'
  | 'UNAVAILABLE'
  | 'INTERNAL'
  | 'CANCELLED';

export class AgentError extends Error {
  constructor(
    readonly code: AgentErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AgentError';
  }
}

/**
 * Maps a failure of an external command (shared CommandError, duck-typed to keep this file free of
 * imports) to the caller's status: a timeout is DEADLINE_EXCEEDED, an abort CANCELLED, anything
 * else INTERNAL; the message keeps what ran, its exit code and its stderr tail.
 */
export function commandFailure(what: string, err: unknown): AgentError {
  if (err instanceof AgentError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const kind = (err as { kind?: unknown } | null)?.kind;
  const code = kind === 'timeout' ? 'DEADLINE_EXCEEDED' : kind === 'aborted' ? 'CANCELLED' : 'INTERNAL';
  return new AgentError(code, `${what}: ${message}`);
}
