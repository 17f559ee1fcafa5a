/** One counter's rule: how many failures it forgives, over how long, and how long it then locks. */
export interface ThrottlePolicy {
  /** The failure that reaches this count locks; each further one locks twice as long. */
  threshold: number;
  /** Seconds from the first failure after which the count starts again from zero. */
  window: number;
  /** The first lock, in seconds. */
  baseLock: number;
  /** No lock is longer. */
  maxLock: number;
}

/** A counter as stored: failures in the current window, when the window began, locked until when. */
export interface ThrottleCounter {
  failures: number;
  windowStart: number;
  lockedUntil: number;
}

/**
 * The one rule every store applies (the Redis script mirrors it): a failure after the window has
 * passed starts a new window; reaching the threshold locks for baseLock, doubling with each further
 * failure, capped at maxLock.
 */
export function nextCounter(previous: ThrottleCounter | null, policy: ThrottlePolicy, now: number): ThrottleCounter {
  const fresh = !previous || now >= previous.windowStart + policy.window;
  const failures = fresh ? 1 : previous.failures + 1;
  const windowStart = fresh ? now : previous.windowStart;
  const over = failures - policy.threshold;
  const lockedUntil = over >= 0 ? now + Math.min(policy.baseLock * 2 ** Math.min(over, 30), policy.maxLock) : (previous?.lockedUntil ?? 0);
  return { failures, windowStart, lockedUntil };
}

/** When the stored counter no longer matters. */
export function counterExpiresAt(counter: ThrottleCounter, policy: ThrottlePolicy): number {
  return Math.max(counter.windowStart + policy.window, counter.lockedUntil);
}
