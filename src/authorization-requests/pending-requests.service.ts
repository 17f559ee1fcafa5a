import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { randomToken, safeEqual, sha256 } from '../common/crypto';
import { PendingRequestsRepository } from './pending-requests.repository';

/** An authorization request waiting for the user's decision (the request is the protocol layer's, kept as JSON). */
export interface PendingRequest<T = unknown> {
  id: string;
  userId: number;
  authTime: number;
  expiresAt: number;
  request: T;
}

/**
 * Pending authorization requests, kept in the database under the digest of a random key that only
 * the browser holds: whatever size `state` and `redirect_uri` have, the cookie stays 43 characters.
 */
@Injectable()
export class PendingRequestsService {
  constructor(
    private readonly pending: PendingRequestsRepository,
    private readonly clock: Clock,
  ) {}

  /** Stores the request; answers the browser's key and the form's request id. */
  async save<T>(userId: number, authTime: number, request: T, lifetime: number): Promise<{ key: string; pending: PendingRequest<T> }> {
    const now = this.clock.now();
    await this.pending.deleteExpired(now);
    const key = randomToken(32);
    const pending: PendingRequest<T> = { id: randomToken(16), userId, authTime, expiresAt: now + lifetime, request };
    await this.pending.insert({ keyHash: sha256(key), requestId: pending.id, userId, authTime, expiresAt: pending.expiresAt, request: JSON.stringify(request) });
    return { key, pending };
  }

  /** The request stored under this browser's key with this id, if not expired. */
  async find<T>(key: string, id: string): Promise<PendingRequest<T> | null> {
    const row = await this.pending.find(sha256(key));
    if (!row || !safeEqual(row.requestId, id) || row.expiresAt <= this.clock.now()) return null;
    return { id: row.requestId, userId: row.userId, authTime: row.authTime, expiresAt: row.expiresAt, request: JSON.parse(row.request) as T };
  }

  /** Forgets it; true only for the one caller that removed it (a second submission gets false). */
  remove(key: string): Promise<boolean> {
    return this.pending.delete(sha256(key));
  }
}
