import { Injectable } from '@nestjs/common';
import { Db } from '../database/db';
import { Row, TableColumns, nullableNumber } from '../database/table';
import { AuditEventRow } from './audit-event.entity';

const EVENT = new TableColumns<AuditEventRow>('audit_event', {
  id: 'id',
  type: 'type',
  occurredAt: 'occurred_at',
  userId: 'user_id',
  clientId: 'client_id',
  ip: 'ip',
  detail: 'detail',
});

function toAuditEvent(r: Row): AuditEventRow {
  return Object.assign(new AuditEventRow(), {
    id: Number(r.id),
    type: r.type as string,
    occurredAt: Number(r.occurred_at),
    userId: nullableNumber(r.user_id),
    clientId: (r.client_id as string | null) ?? null,
    ip: (r.ip as string | null) ?? null,
    detail: (r.detail as string | null) ?? null,
  });
}

export interface AuditEventFilter {
  type?: string;
  userId?: number;
  clientId?: string;
  /** Epoch seconds, inclusive. */
  since?: number;
}

/** Table `audit_event`, through raw SQL built from its one column list: many rows per INSERT. */
@Injectable()
export class AuditEventsRepository {
  constructor(private readonly db: Db) {}

  /** Outside any open transaction, always: an audit row stands on its own. */
  async insertMany(rows: Array<Omit<AuditEventRow, 'id'>>): Promise<void> {
    if (!rows.length) return;
    await this.db.outsideTransaction(() => this.db.execute(EVENT.insert(rows.length), rows.flatMap((r) => EVENT.insertValues(r))));
  }

  /** Newest first. */
  async list(filter: AuditEventFilter, limit: number, offset: number): Promise<[AuditEventRow[], number]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      where.push(sql);
      params.push(value);
    };
    if (filter.type !== undefined) add('type = ?', filter.type);
    if (filter.userId !== undefined) add('user_id = ?', filter.userId);
    if (filter.clientId !== undefined) add('client_id = ?', filter.clientId);
    if (filter.since !== undefined) add('occurred_at >= ?', filter.since);
    const clause = where.length ? ` WHERE ${where.join(' AND ')}` : '';
    const rows = await this.db.query(`SELECT ${EVENT.list} FROM ${EVENT.table}${clause} ORDER BY id DESC LIMIT ? OFFSET ?`, [...params, limit, offset]);
    const [{ total }] = await this.db.query<{ total: number }>(`SELECT COUNT(*) AS total FROM ${EVENT.table}${clause}`, params);
    return [rows.map(toAuditEvent), Number(total)];
  }
}
