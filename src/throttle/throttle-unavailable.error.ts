/**
 * The failed-attempt counters cannot be reached (Redis down): the credential is then not checked
 * at all, so an outage never turns into unlimited guessing. Each edge answers it in its own terms
 * (the protocol endpoints 503 temporarily_unavailable with Retry-After, the pages an error page).
 */
export class ThrottleUnavailableError extends Error {
  constructor(
    override readonly cause: unknown,
    /** Seconds a client should wait before trying again. */
    readonly retryAfter = 5,
  ) {
    super('the failed-attempt counters cannot be reached');
    this.name = 'ThrottleUnavailableError';
  }
}
