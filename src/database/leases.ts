import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Db } from './db';

/**
 * Leases on jobs that one instance at a time may run (table `server_lease`, one row per job):
 * taking one is a single conditional UPDATE of its row, which every engine orders, Galera
 * included (where LOCK TABLES and GET_LOCK are not replicated). A lease ends at `expires_at` even if
 * its holder died, so a crashed instance never blocks the job for longer than that.
 */
@Injectable()
export class Leases {
  /** This process (and, in tests, this application) as a holder: host, pid and a random tag. */
  readonly holder = `${hostname().slice(0, 40)}:${process.pid}:${randomBytes(4).toString('hex')}`.slice(0, 64);

  constructor(private readonly db: Db) {}

  /**
   * Takes the lease, or extends it if this process holds it, until `untilMs` (epoch milliseconds).
   * False when another holder has it; a write conflict (Galera) counts as not taken.
   */
  async acquire(name: string, untilMs: number): Promise<boolean> {
    try {
      const { affected } = await this.db.execute(
        'UPDATE server_lease SET holder = ?, expires_at = ? WHERE name = ? AND (holder = ? OR holder IS NULL OR expires_at < ?)',
        [this.holder, untilMs, name, this.holder, Date.now()],
      );
      return affected === 1;
    } catch {
      return false;
    }
  }

  /** Sets when the lease this process holds ends (false if it no longer holds it). */
  async extend(name: string, untilMs: number): Promise<boolean> {
    const { affected } = await this.db.execute('UPDATE server_lease SET expires_at = ? WHERE name = ? AND holder = ?', [untilMs, name, this.holder]);
    return affected === 1;
  }
}
