/** Time source, injected so tests can move time instead of sleeping. */
export abstract class Clock {
  /** Seconds since the epoch. */
  abstract now(): number;
}

export class SystemClock extends Clock {
  now(): number {
    return Math.floor(Date.now() / 1000);
  }
}

/** A clock tests can set and advance. */
export class FixedClock extends Clock {
  constructor(private seconds = 1_700_000_000) {
    super();
  }
  now(): number {
    return this.seconds;
  }
  advance(seconds: number): void {
    this.seconds += seconds;
  }
}
