import { ThrottleCounter, ThrottlePolicy } from './throttle-policy';

/** Where the counters live: shared by every instance (the database, or Redis when REDIS_URL is set). */
export abstract class ThrottleStore {
  /** The counters under these keys, in order; null where there is none. */
  abstract read(keys: string[]): Promise<Array<ThrottleCounter | null>>;
  /** Counts one failure atomically (concurrent failures are each counted once) and answers the new counter. */
  abstract fail(key: string, policy: ThrottlePolicy, now: number): Promise<ThrottleCounter>;
  abstract reset(keys: string[]): Promise<void>;
}
