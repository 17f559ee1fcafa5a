import { AppConfig } from '../config/app-config';
import { mysqlHostList, mysqlHosts, mysqlUrlFor } from '../config/mysql-url';

/**
 * What went wrong while opening the database, in one line that says what to do. The MySQL
 * driver's error codes name the common causes; anything else keeps its first line.
 */
export function describeStartupError(err: unknown, config: AppConfig): string {
  const e = err as { code?: string; errno?: number; message?: string };
  const message = (e?.message ?? String(err)).split('\n')[0];
  if (config.database.type !== 'mysql') return message;
  const url = new URL(mysqlUrlFor(config.database.url, mysqlHosts(config.database.url)[0]));
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  const server = mysqlHostList(config.database.url);
  const user = decodeURIComponent(url.username);
  switch (e?.code) {
    case 'ER_BAD_DB_ERROR':
      return (
        `database "${database}" does not exist on ${server}: create it first, e.g. ` +
        `CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;`
      );
    case 'ER_ACCESS_DENIED_ERROR':
    case 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR':
      return `access denied for user "${user}" on ${server}: check the user and password in DATABASE_URL`;
    case 'ER_DBACCESS_DENIED_ERROR':
      return `user "${user}" may not use database "${database}" on ${server}: GRANT ALL ON \`${database}\`.* TO '${user}'@'%';`;
    case 'ECONNREFUSED':
      return `cannot reach MySQL at ${server}: connection refused (is it running, and is this the right port?)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot reach MySQL at ${server}: unknown host "${url.hostname}"`;
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `cannot reach MySQL at ${server}: no answer (${e.code}); check the host and any firewall`;
    default:
      return `database ${server}/${database}: ${message}`;
  }
}
