import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { randomToken, sha256 } from '../common/crypto';
import { Db } from '../database/db';
import { nullableNumber as n, Row, TableColumns } from '../database/table';
import { PushedRequestRow } from './pushed-request.entity';

/** RFC 9126 §2.2: the request_uri's prefix. */
export const PUSHED_REQUEST_URI_PREFIX = 'urn:ietf:params:oauth:request_uri:';
/** RFC 9126 §2.2: short-lived; 60 seconds is the example and what FAPI 2.0 allows at most (< 600). */
export const PUSHED_REQUEST_LIFETIME = 60;

const PUSHED = new TableColumns<PushedRequestRow>('oauth2_pushed_request', {
  id: 'id',
  requestUriHash: 'request_uri_hash',
  clientId: 'client_id',
  params: 'params',
  expiresAt: 'expires_at',
  usedAt: 'used_at',
});

function toRow(r: Row): PushedRequestRow {
  return Object.assign(new PushedRequestRow(), {
    id: Number(r.id),
    requestUriHash: r.request_uri_hash as string,
    clientId: r.client_id as string,
    params: r.params as string,
    expiresAt: Number(r.expires_at),
    usedAt: n(r.used_at),
  });
}

/** A pushed request found by its request_uri. */
export interface PushedRequest {
  id: number;
  clientId: string;
  params: Record<string, string>;
}

/**
 * Pushed authorization requests (RFC 9126), in the database: the browser may arrive at any
 * instance, and sign in on another before the request is used.
 */
@Injectable()
export class PushedRequestsService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** Stores the parameters; answers the request_uri (the only time it exists in the clear). */
  async push(clientId: string, params: Record<string, string>): Promise<{ requestUri: string; expiresIn: number }> {
    const now = this.clock.now();
    const requestUri = PUSHED_REQUEST_URI_PREFIX + randomToken(32);
    await this.db.execute(
      PUSHED.insert(),
      PUSHED.insertValues({ requestUriHash: sha256(requestUri), clientId, params: JSON.stringify(params), expiresAt: now + PUSHED_REQUEST_LIFETIME, usedAt: null }),
    );
    return { requestUri, expiresIn: PUSHED_REQUEST_LIFETIME };
  }

  /** The unused, unexpired request behind this request_uri, or null. */
  async find(requestUri: string): Promise<PushedRequest | null> {
    const rows = await this.db.query(`SELECT ${PUSHED.list} FROM ${PUSHED.table} WHERE request_uri_hash = ?`, [sha256(requestUri)]);
    const row = rows.length ? toRow(rows[0]) : null;
    if (!row || row.usedAt !== null || row.expiresAt <= this.clock.now()) return null;
    return { id: row.id, clientId: row.clientId, params: JSON.parse(row.params) as Record<string, string> };
  }

  /** Marks it used: one conditional UPDATE, true for exactly one caller. */
  async use(id: number): Promise<boolean> {
    const now = this.clock.now();
    const { affected } = await this.db.execute(`UPDATE ${PUSHED.table} SET used_at = ? WHERE id = ? AND used_at IS NULL AND expires_at > ?`, [now, id, now]);
    return affected === 1;
  }
}
