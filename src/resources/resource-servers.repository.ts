import { Injectable } from '@nestjs/common';
import { Db } from '../database/db';
import { Row, TableColumns } from '../database/table';
import { ResourceServer } from './resource-server.entity';

const RESOURCE = new TableColumns<ResourceServer>('oauth2_resource', {
  id: 'id',
  identifier: 'identifier',
  scopes: 'scopes',
  createdAt: 'created_at',
});

function toResource(r: Row): ResourceServer {
  return Object.assign(new ResourceServer(), { id: Number(r.id), identifier: r.identifier as string, scopes: r.scopes as string, createdAt: Number(r.created_at) });
}

/** Table `oauth2_resource`. */
@Injectable()
export class ResourceServersRepository {
  constructor(private readonly db: Db) {}

  /** Null when the identifier is taken. */
  async insert(resource: Omit<ResourceServer, 'id'>): Promise<ResourceServer | null> {
    if (await this.findByIdentifier(resource.identifier)) return null;
    try {
      const { insertId } = await this.db.execute(RESOURCE.insert(), RESOURCE.insertValues(resource));
      return Object.assign(new ResourceServer(), { ...resource, id: Number(insertId) });
    } catch (err) {
      // Two instances registering the same identifier at once: the unique key decides.
      if (await this.findByIdentifier(resource.identifier)) return null;
      throw err;
    }
  }

  /** Every identifier of `identifiers` that is registered. */
  async findRegistered(identifiers: readonly string[]): Promise<ResourceServer[]> {
    if (identifiers.length === 0) return [];
    const rows = await this.db.query(`SELECT ${RESOURCE.list} FROM ${RESOURCE.table} WHERE identifier IN (${identifiers.map(() => '?').join(', ')})`, [...identifiers]);
    return rows.map(toResource);
  }

  async findByIdentifier(identifier: string): Promise<ResourceServer | null> {
    return (await this.findRegistered([identifier]))[0] ?? null;
  }

  async list(limit: number, offset: number): Promise<[ResourceServer[], number]> {
    const rows = await this.db.query(`SELECT ${RESOURCE.list} FROM ${RESOURCE.table} ORDER BY id LIMIT ? OFFSET ?`, [limit, offset]);
    const [{ total }] = await this.db.query<{ total: number }>(`SELECT COUNT(*) AS total FROM ${RESOURCE.table}`);
    return [rows.map(toResource), Number(total)];
  }

  async delete(id: number): Promise<boolean> {
    const { affected } = await this.db.execute(`DELETE FROM ${RESOURCE.table} WHERE id = ?`, [id]);
    return affected > 0;
  }
}
