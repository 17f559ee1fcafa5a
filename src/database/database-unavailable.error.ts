/**
 * The database cannot take this request now: unreachable, full, read-only, or a write conflict that
 * kept losing after its retries. The protocol endpoints answer it 503 `temporarily_unavailable`
 * with `Retry-After`, the pages with the error page; never a 500.
 */
export class DatabaseUnavailableError extends Error {
  constructor(
    message: string,
    /** Seconds a client should wait before trying again. */
    readonly retryAfter = 5,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'DatabaseUnavailableError';
  }
}
