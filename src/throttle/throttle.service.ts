import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Clock } from '../common/clock';
import { sha256 } from '../common/crypto';
import { RedisService } from '../redis/redis.service';
import { ThrottleUnavailableError } from './throttle-unavailable.error';
import { DatabaseThrottleStore } from './database-throttle.store';
import { RedisThrottleStore } from './redis-throttle.store';
import { ThrottlePolicy } from './throttle-policy';
import { ThrottleStore } from './throttle.store';
import { throttleAddress } from './client-address';
import { MetricsService } from '../metrics/metrics.service';
import { AuditService } from '../audit/audit.service';

/**
 * What is being guessed: a user's password, a client's secret, (sign-up) which usernames exist,
 * (the /device page) a live user code, or the admin API key.
 */
export type ThrottleKind = 'password' | 'client' | 'signup' | 'user_code' | 'admin';

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
  /** Which counter, for the audit log and metrics. */
  name: 'account_ip' | 'account' | 'ip' | 'device';
  key: string;
  policy: ThrottlePolicy;
  /** Cleared by a success. */
  resets: boolean;
  /** Its lock holds this attempt back; false: it only counts (a known device's failures on its IP). */
  blocks: boolean;
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
 *
 * A browser that signed in to the account before (a known-device cookie, OWASP "device cookies")
 * is held to its own counter instead: however many strangers lock the account, its owner's
 * browser signs in, and only that browser's own failures lock it. The account-wide lock is capped
 * lower (THROTTLE_ACCOUNT_MAX_LOCK_SECONDS) than the per-IP ones.
 */
@Injectable()
export class ThrottleService {
  private readonly store: ThrottleStore;

  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    database: DatabaseThrottleStore,
    redis: RedisService,
    private readonly metrics: MetricsService,
    private readonly audit: AuditService,
  ) {
    this.store = redis.client ? new RedisThrottleStore(redis.client, (name) => redis.key(`throttle:${name}`)) : database;
  }

  /** A counter store that cannot be reached (Redis down) is ThrottleUnavailableError, never an unchecked attempt. */
  private async reach<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      throw new ThrottleUnavailableError(err);
    }
  }

  /**
   * Starts one check of `subject` (a username, a client_id; null when none was sent) from `ip`.
   * `device`: the id of a valid known-device cookie for this same subject (see the class comment).
   */
  async begin(kind: ThrottleKind, subject: string | null | undefined, ip: string, device?: string | null): Promise<ThrottleAttempt> {
    const settings = this.config.throttle;
    if (!settings.enabled) return { retryAfter: 0, failed: async () => 0, succeeded: async () => undefined };
    const counters = this.counters(kind, subject, ip, device);
    const now = this.clock.now();
    const current = await this.reach(() => this.store.read(counters.map((c) => c.key)));
    const waitOf = (list: Array<{ lockedUntil: number } | null>, at: number) => Math.max(0, ...list.map((c, i) => (c && counters[i].blocks ? c.lockedUntil - at : 0)));
    const retryAfter = waitOf(current, now);
    const toReset = counters.filter((c, i) => c.resets && current[i] !== null).map((c) => c.key);
    return {
      retryAfter,
      failed: async () => {
        const at = this.clock.now();
        const next = await this.reach(() => Promise.all(counters.map((c) => this.store.fail(c.key, c.policy, at))));
        // Every failure at or past a threshold (re)locks its counter: one lockout each.
        const locked = counters.filter((c, i) => next[i].failures >= c.policy.threshold && next[i].lockedUntil > at);
        for (const c of locked) {
          this.metrics.lockouts.inc({ kind, counter: c.name });
          this.audit.record({
            type: 'lockout.imposed',
            ip,
            detail: { kind, counter: c.name, subject: c.name === 'ip' ? null : (subject ?? null), failures: next[counters.indexOf(c)].failures, seconds: next[counters.indexOf(c)].lockedUntil - at },
          });
        }
        return waitOf(next, at);
      },
      succeeded: async () => {
        if (toReset.length) await this.reach(() => this.store.reset(toReset));
      },
    };
  }

  /**
   * Counts one act that is limited per IP (a client registration): `limit` per `window` seconds,
   * then a wait of `window` seconds. Answers 0 when this one may go ahead, else the seconds to wait
   * (and does not count it). IPv6 addresses count per /64, which one host usually holds whole.
   */
  async rateLimit(kind: 'registration', ip: string, limit: number, window: number): Promise<number> {
    if (!this.config.throttle.enabled) return 0;
    const key = sha256(`${kind}:ip:${throttleAddress(ip)}`);
    const now = this.clock.now();
    const [current] = await this.reach(() => this.store.read([key]));
    if (current && current.lockedUntil > now) return current.lockedUntil - now;
    await this.reach(() => this.store.fail(key, { threshold: limit, window, baseLock: window, maxLock: window }, now));
    return 0;
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

  private counters(kind: ThrottleKind, subject: string | null | undefined, ip: string, device?: string | null): Counter[] {
    const s = this.config.throttle;
    // IPv6 by /64 (client-address.ts).
    const address = throttleAddress(ip);
    const ipCounter: Counter = {
      name: 'ip',
      key: sha256(`${kind}:ip:${address}`),
      policy: { threshold: s.ipFailures, window: s.window, baseLock: s.lockSeconds, maxLock: s.maxLockSeconds },
      resets: false,
      blocks: !device,
    };
    // Callers pass a username in its canonical form (users/username.ts); client ids are case-normalized here.
    // Sign-up and user codes guess no one account: only the IP is counted (a wrong user code names
    // no device code, and counting the guessed value would let anyone lock a user's code).
    const account = kind === 'signup' || kind === 'user_code' || kind === 'admin' ? '' : (subject ?? '').trim().toLowerCase().slice(0, 256);
    if (!account) return [ipCounter];
    if (device) {
      // A known device: its own counter decides (as the account-from-one-IP counter would); its
      // failures still count on its IP, for spraying, but neither the IP's lock nor the account's holds it back.
      return [
        {
          name: 'device',
          key: sha256(`${kind}:device:${account}|${device}`),
          policy: { threshold: s.accountIpFailures, window: s.accountIpWindow, baseLock: s.lockSeconds, maxLock: s.maxLockSeconds },
          resets: true,
          blocks: true,
        },
        ipCounter,
      ];
    }
    return [
      {
        name: 'account_ip',
        key: sha256(`${kind}:account-ip:${account}|${address}`),
        policy: { threshold: s.accountIpFailures, window: s.accountIpWindow, baseLock: s.lockSeconds, maxLock: s.maxLockSeconds },
        resets: true,
        blocks: true,
      },
      {
        name: 'account',
        key: sha256(`${kind}:account:${account}`),
        policy: { threshold: s.accountFailures, window: s.window, baseLock: s.lockSeconds, maxLock: s.accountMaxLockSeconds },
        resets: true,
        blocks: true,
      },
      ipCounter,
    ];
  }
}
