import { ThrottlePolicy, counterExpiresAt, nextCounter } from './throttle-policy';

const POLICY: ThrottlePolicy = { threshold: 5, window: 900, baseLock: 60, maxLock: 900 };

describe(nextCounter.name, () => {
  it('counts failures without locking below the threshold', () => {
    let c = nextCounter(null, POLICY, 1000);
    expect(c).toEqual({ failures: 1, windowStart: 1000, lockedUntil: 0 });
    for (let i = 0; i < 3; i++) c = nextCounter(c, POLICY, 1001 + i);
    expect(c).toEqual({ failures: 4, windowStart: 1000, lockedUntil: 0 });
  });

  it('locks at the threshold and doubles the lock with each further failure, up to maxLock', () => {
    let c = { failures: 4, windowStart: 1000, lockedUntil: 0 };
    const locks: number[] = [];
    for (let i = 0; i < 7; i++) {
      c = nextCounter(c, { ...POLICY, window: 1e9 }, 2000);
      locks.push(c.lockedUntil - 2000);
    }
    expect(locks).toEqual([60, 120, 240, 480, 900, 900, 900]);
  });

  it('starts a new window once the window has passed', () => {
    const c = nextCounter({ failures: 4, windowStart: 1000, lockedUntil: 0 }, POLICY, 1900);
    expect(c).toEqual({ failures: 1, windowStart: 1900, lockedUntil: 0 });
  });

  it('keeps the counter until the later of window end and lock end', () => {
    expect(counterExpiresAt({ failures: 1, windowStart: 1000, lockedUntil: 0 }, POLICY)).toBe(1900);
    expect(counterExpiresAt({ failures: 9, windowStart: 1000, lockedUntil: 2500 }, POLICY)).toBe(2500);
  });
});
