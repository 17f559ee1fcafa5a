import { Injectable } from '@nestjs/common';
import { Db } from '../database/db';
import { nullableNumber as n, Row, TableColumns } from '../database/table';
import { DeviceCode, DeviceCodeStatus } from './device-code.entity';

const DEVICE_CODE = new TableColumns<DeviceCode>('oauth2_device_code', {
  id: 'id',
  deviceCodeHash: 'device_code_hash',
  userCodeHash: 'user_code_hash',
  clientId: 'client_id',
  scope: 'scope',
  status: 'status',
  userId: 'user_id',
  authTime: 'auth_time',
  pollInterval: 'poll_interval',
  lastPolledAt: 'last_polled_at',
  createdAt: 'created_at',
  expiresAt: 'expires_at',
});

function toDeviceCode(r: Row): DeviceCode {
  return Object.assign(new DeviceCode(), {
    id: Number(r.id),
    deviceCodeHash: r.device_code_hash as string,
    userCodeHash: r.user_code_hash as string,
    clientId: r.client_id as string,
    scope: r.scope as string,
    status: r.status as DeviceCodeStatus,
    userId: n(r.user_id),
    authTime: n(r.auth_time),
    pollInterval: Number(r.poll_interval),
    lastPolledAt: n(r.last_polled_at),
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
  });
}

/** Table `oauth2_device_code`. Every change of state is one conditional UPDATE. */
@Injectable()
export class DeviceCodesRepository {
  constructor(private readonly db: Db) {}

  async insert(row: Omit<DeviceCode, 'id'>): Promise<void> {
    await this.db.execute(DEVICE_CODE.insert(), DEVICE_CODE.insertValues(row));
  }

  async findBy(column: 'device_code_hash' | 'user_code_hash' | 'id', value: string | number): Promise<DeviceCode | null> {
    const rows = await this.db.query(`SELECT ${DEVICE_CODE.list} FROM ${DEVICE_CODE.table} WHERE ${column} = ?`, [value]);
    return rows.length ? toDeviceCode(rows[0]) : null;
  }

  /** Moves a row from one status to another; true only for the one caller that did it. */
  async transition(id: number, from: DeviceCodeStatus, to: DeviceCodeStatus, userId?: number, authTime?: number): Promise<boolean> {
    const set = userId !== undefined ? 'status = ?, user_id = ?, auth_time = ?' : 'status = ?';
    const values = userId !== undefined ? [to, userId, authTime ?? null] : [to];
    const { affected } = await this.db.execute(`UPDATE ${DEVICE_CODE.table} SET ${set} WHERE id = ? AND status = ?`, [...values, id, from]);
    return affected === 1;
  }

  /**
   * RFC 8628 §3.5: records a poll made at `now`. True when it came at least the interval after the
   * previous one; otherwise the interval grows by `penalty` and false is answered (slow_down). One
   * conditional UPDATE decides, so two instances polled at once cannot both let a fast poll through.
   */
  async recordPoll(id: number, now: number, penalty: number): Promise<boolean> {
    const { affected } = await this.db.execute(
      `UPDATE ${DEVICE_CODE.table} SET last_polled_at = ? WHERE id = ? AND (last_polled_at IS NULL OR last_polled_at + poll_interval <= ?)`,
      [now, id, now],
    );
    if (affected === 1) return true;
    await this.db.execute(`UPDATE ${DEVICE_CODE.table} SET last_polled_at = ?, poll_interval = poll_interval + ? WHERE id = ?`, [now, penalty, id]);
    return false;
  }
}
