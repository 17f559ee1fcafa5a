import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The secrets Gatehouse generates outside production when they are not set. */
export interface LocalSecrets {
  admin_api_key: string;
  cookie_secret: string;
  key_encryption_secret: string;
}

export const LOCAL_SECRETS_FILE = 'gatehouse-secrets.json';

/**
 * Where generated secrets are kept outside production: beside the SQLite file (or in data/ on
 * MySQL), so the server, its restarts and the CLI all use the same ones. None for `:memory:`.
 */
export function localSecretsPath(database: { type: 'sqlite'; path: string } | { type: 'mysql' }): string | null {
  if (database.type === 'sqlite') return database.path === ':memory:' ? null : join(dirname(database.path), LOCAL_SECRETS_FILE);
  return join('data', LOCAL_SECRETS_FILE);
}

/** The file's secrets, or null when there is no file (nothing is created). */
export function readLocalSecrets(path: string): LocalSecrets | null {
  if (!existsSync(path)) return null;
  let parsed: Partial<LocalSecrets>;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LocalSecrets>;
  } catch (err) {
    throw new Error(`${path} is not the JSON Gatehouse wrote (${(err as Error).message}): restore it, or set ADMIN_API_KEY, COOKIE_SECRET and KEY_ENCRYPTION_SECRET`);
  }
  for (const name of ['admin_api_key', 'cookie_secret', 'key_encryption_secret'] as const) {
    if (typeof parsed[name] !== 'string' || parsed[name].length < 32) throw new Error(`${path} has no valid "${name}": restore the file, or set ${name.toUpperCase()}`);
  }
  return parsed as LocalSecrets;
}

/**
 * The file's secrets, generating the file on first use: created once, readable by its owner only
 * (0600). Written beside its final name and linked into place, so a server and a CLI starting at
 * the same moment both end up with the one file that won.
 */
export function readOrCreateLocalSecrets(path: string): LocalSecrets {
  const existing = readLocalSecrets(path);
  if (existing) return existing;
  const secret = () => randomBytes(32).toString('base64url');
  const secrets: LocalSecrets = { admin_api_key: secret(), cookie_secret: secret(), key_encryption_secret: secret() };
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(temp);
  }
  return readLocalSecrets(path)!;
}
