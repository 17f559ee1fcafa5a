import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataSourceOptions } from 'typeorm';
import { DatabaseConfig } from '../config/app-config';
import { mysqlHosts, mysqlUrlFor } from '../config/mysql-url';
import { User } from '../users/user.entity';
import { Client } from '../clients/client.entity';
import { AuthorizationCode } from '../authorization-codes/authorization-code.entity';
import { Token } from '../tokens/token.entity';
import { ConsentGrant } from '../consents/consent-grant.entity';
import { AuditEventRow } from '../audit/audit-event.entity';
import { UserSession } from '../sessions/user-session.entity';
import { PendingRequestRow } from '../authorization-requests/pending-request.entity';
import { ThrottleCounterRow } from '../throttle/throttle-counter.entity';
import { SigningKey } from '../keys/signing-key.entity';
import { ServerLeaseRow } from './server-lease.entity';
import { ClientRegistration } from '../registration/client-registration.entity';
import { InitialAccessToken } from '../registration/initial-access-token.entity';
import { ResourceServer } from '../resources/resource-server.entity';

export const entities = [User, Client, AuthorizationCode, Token, ConsentGrant, AuditEventRow, UserSession, PendingRequestRow, ThrottleCounterRow, SigningKey, ServerLeaseRow, ClientRegistration, InitialAccessToken, ResourceServer];
import { migrations } from './migrations';


/** The one place DataSource options are built: used by DatabaseModule, ormconfig.ts and tests. */
export function dataSourceOptions(db: DatabaseConfig): DataSourceOptions {
  const common = { entities, migrations, migrationsRun: false, synchronize: false, logging: false } as const;
  if (db.type === 'mysql') {
    return {
      ...common,
      type: 'mysql',
      // Several hosts: the pool starts on the first; MysqlHosts moves it when that node goes away.
      url: mysqlUrlFor(db.url, mysqlHosts(db.url)[0]),
      poolSize: db.poolSize,
      charset: 'utf8mb4_unicode_ci',
      supportBigNumbers: true,
      bigNumberStrings: false,
      timezone: 'Z',
      // An unreachable host is reported within seconds, not after mysql2's default 10 s.
      connectTimeout: 3000,
    };
  }
  if (db.path !== ':memory:') mkdirSync(dirname(db.path), { recursive: true });
  return {
    ...common,
    type: 'better-sqlite3',
    database: db.path,
    enableWAL: db.path !== ':memory:',
    statementCacheSize: 200,
    // WAL + synchronous=NORMAL keeps every committed row across a process crash (not a power loss).
    prepareDatabase: (conn: { pragma(s: string): unknown }) => {
      conn.pragma('busy_timeout = 5000');
      conn.pragma('synchronous = NORMAL');
    },
  };
}
