import { loadConfig } from '../config/env.validation';
import { describeStartupError } from './startup-error';

const mysql = loadConfig({ NODE_ENV: 'test', DATABASE_URL: 'mysql://app:s3cret-pass@db.internal:3307/gatehouse' });
const err = (code: string, message = 'driver message') => Object.assign(new Error(message), { code });

describe('describeStartupError', () => {
  it.each([
    ['ER_BAD_DB_ERROR', 'database "gatehouse" does not exist on db.internal:3307: create it first, e.g. CREATE DATABASE `gatehouse` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;'],
    ['ER_ACCESS_DENIED_ERROR', 'access denied for user "app" on db.internal:3307: check the user and password in DATABASE_URL'],
    ['ER_DBACCESS_DENIED_ERROR', 'user "app" may not use database "gatehouse" on db.internal:3307: GRANT ALL ON `gatehouse`.* TO \'app\'@\'%\';'],
    ['ECONNREFUSED', 'cannot reach MySQL at db.internal:3307: connection refused (is it running, and is this the right port?)'],
    ['ENOTFOUND', 'cannot reach MySQL at db.internal:3307: unknown host "db.internal"'],
    ['ETIMEDOUT', 'cannot reach MySQL at db.internal:3307: no answer (ETIMEDOUT); check the host and any firewall'],
  ])('names %s in one line without the password', (code, line) => {
    const described = describeStartupError(err(code), mysql);
    expect(described).toBe(line);
    expect(described).not.toContain('s3cret-pass');
  });

  it('keeps the first line of anything else', () => {
    expect(describeStartupError(err('ER_OTHER', 'first\n    at stack'), mysql)).toBe('database db.internal:3307/gatehouse: first');
    expect(describeStartupError(new Error('disk full\nmore'), loadConfig({ NODE_ENV: 'test', DATABASE_URL: 'sqlite:x.sqlite' }))).toBe('disk full');
  });
});
