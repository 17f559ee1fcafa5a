import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Clock } from '../common/clock';
import { sha256 } from '../common/crypto';
import { RedisService } from '../redis/redis.service';
import { OAuthError } from '../grants/oauth-error';
import { DatabaseThrottleStore } from './database-throttle.store';
import { RedisThrottleStore } from './redis-throttle.store';
import { ThrottlePolicy } from './throttle-policy';
import { ThrottleStore } from './throttle.store';

/**
 * What is being guessed: a user's password, a client's secret, (sign-up) which usernames exist,
 * or (the /device page) a live user code.
 */
export type ThrottleKind = 'password' | 'client' | 'signup' | 'user_code';

/** One credential check in progress: its wait before it ran, and how to report its outcome. */
export interface ThrottleAttempt {
  /** Seconds before this attempt may be made; 0 when it may go ahead. */
  readonly retryAfter: number;
  /** Counts the failure; answers the seconds the next attempt must wait (0: not locked). */
  failed(): Promise<number>;
  /** Clears the account's counters (not the IP's: one good password must not excuse a spray). */
  succeeded(): Promise<void>;
}

interface Counter {
  key: string;
  policy: ThrottlePolicy;
  /** Cleared by a success. */
  resets: boolean;
}

/**
 * Brute-force protection in the manner of Keycloak's brute-force detection and OWASP ASVS V2.2.
 * Failed checks are counted on three counters at once:
 *  - the account from this IP: a few free failures, then a lock that doubles with each failure;
 *  - the account from every IP: a looser limit, so that many IPs together cannot guess without
 *    bound, while one attacking IP (held back by its own counter) never locks the user out elsewhere;
 *  - the IP over every account: password spraying.
 * A success clears the first two. Counters live in the database, or in Redis when REDIS_URL is set,
 * so every instance counts together; time comes from the injected Clock.
 */
@Injectable()
export class ThrottleService {
  private readonly store: ThrottleStore;

  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    database: DatabaseThrottleStore,
    redis: RedisService,
  ) {
    this.store = redis.client ? new RedisThrottleStore(redis.client, (name) => redis.key(`throttle:${name}`)) : database;
  }

  /** A counter store that cannot be reached (Redis down) is a 503, never a 500 or an unchecked attempt. */
  private async reach<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      throw OAuthError.unavailable(err);
    }
  }

  /** Starts one check of `subject` (a username, a client_id; null when none was sent) from `ip`. */
  async begin(kind: ThrottleKind, subject: string | null | undefined, ip: string): Promise<ThrottleAttempt> {
    const settings = this.config.throttle;
    if (!settings.enabled) return { retryAfter: 0, failed: async () => 0, succeeded: async () => undefined };
    const counters = this.counters(kind, subject, ip);
    const now = this.clock.now();
    const current = await this.reach(() => this.store.read(counters.map((c) => c.key)));
    const retryAfter = Math.max(0, ...current.map((c) => (c ? c.lockedUntil - now : 0)));
    const toReset = counters.filter((c, i) => c.resets && current[i] !== null).map((c) => c.key);
    return {
      retryAfter,
      failed: async () => {
        const at = this.clock.now();
        const next = await this.reach(() => Promise.all(counters.map((c) => this.store.fail(c.key, c.policy, at))));
        return Math.max(0, ...next.map((c) => c.lockedUntil - at));
      },
      succeeded: async () => {
        if (toReset.length) await this.reach(() => this.store.reset(toReset));
      },
    };
  }

  /**
   * Whether this account is locked from every IP (its all-IP counter): a way in that asks for no
   * password, such as redeeming a device code, must not hand out tokens while it is.
   */
  async accountLocked(kind: ThrottleKind, subject: string): Promise<boolean> {
    if (!this.config.throttle.enabled) return false;
    const account = this.counters(kind, subject, '').find((c) => c.key === sha256(`${kind}:account:${subject.trim().toLowerCase().slice(0, 256)}`));
    if (!account) return false;
    const [counter] = await this.reach(() => this.store.read([account.key]));
    return counter !== null && counter.lockedUntil > this.clock.now();
  }

  private counters(kind: ThrottleKind, subject: string | null | undefined, ip: string): Counter[] {
    const s = this.config.throttle;
    const ipCounter: Counter = {
      key: sha256(`${kind}:ip:${ip}`),
      policy: { threshold: s.ipFailures, window: s.window, baseLock: s.lockSeconds, maxLock: s.maxLockSeconds },
      resets: false,
    };
    // Usernames and client ids are compared case-normalized: "Alice" and "alice" share counters.
    // Sign-up and user codes guess no one account: only the IP is counted (a wrong user code names
    // no device code, and counting the guessed value would let anyone lock a user's code).
    const account = kind === 'signup' || kind === 'user_code' ? '' : (subject ?? '').trim().toLowerCase().slice(0, 256);
    if (!account) return [ipCounter];
    return [
      {
        key: sha256(`${kind}:account-ip:${account}|${ip}`),
        policy: { threshold: s.accountIpFailures, window: s.accountIpWindow, baseLock: s.lockSeconds, maxLock: s.maxLockSeconds },
        resets: true,
      },
      {
        key: sha256(`${kind}:account:${account}`),
        policy: { threshold: s.accountFailures, window: s.window, baseLock: s.lockSeconds, maxLock: s.maxLockSeconds },
        resets: true,
      },
      ipCounter,
    ];
  }
}
