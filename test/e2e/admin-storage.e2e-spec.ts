import { sha256 } from '../../src/common/crypto';
import { Db } from '../../src/database/db';
import { TokensService } from '../../src/tokens/tokens.service';
import { DATABASES, startApp, TestApp } from '../support/start-app';
import { adminRequest } from '../factories/admin-request';
import { clientFactory } from '../factories/client.factory';
import { userFactory } from '../factories/user.factory';

/** Reads the rows the admin API wrote, straight from the database: only digests may be there. */
describe.each(DATABASES)('admin API storage (%s)', (_name, databaseUrl) => {
  let t: TestApp;
  let db: Db;
  beforeAll(async () => {
    t = await startApp(databaseUrl);
    db = t.app.get(Db);
  });
  afterAll(() => t.close());

  const dump = async (table: string) => JSON.stringify(await db.query(`SELECT * FROM ${table === 'user' ? (db.isSqlite ? '"user"' : '`user`') : table}`));

  it('stores a user password as an argon2id hash, never in the clear', async () => {
    const password = 'plaintext-password-for-storage-test';
    const { user } = await userFactory.create(t, { password });
    const [row] = await db.query<{ password_hash: string; username: string; email: string | null }>(
      `SELECT username, email, password_hash FROM ${db.isSqlite ? '"user"' : '`user`'} WHERE id = ?`,
      [user.id],
    );
    expect(row.username).toBe(user.username);
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=1024,p=1,t=1\$/);
    expect(await dump('user')).not.toContain(password);
  });

  it('re-hashes a password changed through PATCH', async () => {
    const { user } = await userFactory.create(t);
    const table = db.isSqlite ? '"user"' : '`user`';
    const [before] = await db.query<{ password_hash: string }>(`SELECT password_hash FROM ${table} WHERE id = ?`, [user.id]);
    expect((await adminRequest(t, 'PATCH', `/admin/users/${user.id}`, { password: 'the new plaintext password' })).status).toBe(200);
    const [after] = await db.query<{ password_hash: string }>(`SELECT password_hash FROM ${table} WHERE id = ?`, [user.id]);
    expect(after.password_hash).toMatch(/^\$argon2id\$/);
    expect(after.password_hash).not.toBe(before.password_hash);
    expect(await dump('user')).not.toContain('the new plaintext password');
  });

  it('stores a client secret as its SHA-256 hex digest, and the new one after rotation', async () => {
    const { client, secret } = await clientFactory.create(t);
    const select = () =>
      db.query<{ client_secret_hash: string; client_metadata: string }>('SELECT client_secret_hash, client_metadata FROM oauth2_client WHERE client_id = ?', [client.client_id]);
    const [row] = await select();
    expect(row.client_secret_hash).toBe(sha256(secret!));
    expect(row.client_secret_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.client_metadata).not.toContain(secret);
    expect(await dump('oauth2_client')).not.toContain(secret);

    const rotated = (await adminRequest(t, 'POST', `/admin/clients/${client.client_id}/secret`)).body.client_secret;
    const [after] = await select();
    expect(after.client_secret_hash).toBe(sha256(rotated));
    expect(await dump('oauth2_client')).not.toContain(rotated);
    expect(await dump('oauth2_client')).not.toContain(sha256(secret!));
  });

  it('stores no secret for a public client', async () => {
    const { client } = await clientFactory.create(t, { token_endpoint_auth_method: 'none' });
    const [row] = await db.query<{ client_secret_hash: string | null }>('SELECT client_secret_hash FROM oauth2_client WHERE client_id = ?', [client.client_id]);
    expect(row.client_secret_hash).toBeNull();
  });

  it('stores tokens as SHA-256 digests, which the admin API never shows', async () => {
    const { client } = await clientFactory.create(t);
    const issued = await t.app.get(TokensService).issue({ clientId: client.client_id, userId: null, scope: 'profile', withRefreshToken: true });
    const [row] = await db.query<{ access_token_hash: string; refresh_token_hash: string }>(
      'SELECT access_token_hash, refresh_token_hash FROM oauth2_token WHERE client_id = ?',
      [client.client_id],
    );
    expect(row).toEqual({ access_token_hash: sha256(issued.accessToken), refresh_token_hash: sha256(issued.refreshToken!) });
    const dumped = await dump('oauth2_token');
    expect(dumped).not.toContain(issued.accessToken);
    expect(dumped).not.toContain(issued.refreshToken!);
    const listed = JSON.stringify((await adminRequest(t, 'GET', `/admin/tokens?client_id=${client.client_id}`)).body);
    expect(listed).not.toContain(row.access_token_hash);
    expect(listed).not.toContain(row.refresh_token_hash);
  });

  it('gives a token without a refresh token no rotation family, and a rotation chain one time-ordered family id', async () => {
    const { client } = await clientFactory.create(t);
    const tokens = t.app.get(TokensService);
    const family = (access: string) =>
      db.query<{ family_id: string | null }>('SELECT family_id FROM oauth2_token WHERE access_token_hash = ?', [sha256(access)]).then((r) => r[0].family_id);

    const alone = await tokens.issue({ clientId: client.client_id, userId: null, scope: 'profile', withRefreshToken: false });
    expect(await family(alone.accessToken)).toBeNull();

    const first = await tokens.issue({ clientId: client.client_id, userId: null, scope: 'profile', withRefreshToken: true });
    const firstFamily = await family(first.accessToken);
    expect(firstFamily).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const rotated = await tokens.rotate((await tokens.findByRefreshToken(first.refreshToken!))!, 'profile');
    expect(await family(rotated!.accessToken)).toBe(firstFamily);

    const later = await tokens.issue({ clientId: client.client_id, userId: null, scope: 'profile', withRefreshToken: true });
    expect((await family(later.accessToken))! >= firstFamily!).toBe(true);
  });

  it('revokes a token without a family by itself, and a family together', async () => {
    const { client } = await clientFactory.create(t);
    const tokens = t.app.get(TokensService);
    const alone = await tokens.issue({ clientId: client.client_id, userId: null, scope: 'profile', withRefreshToken: false });
    const other = await tokens.issue({ clientId: client.client_id, userId: null, scope: 'profile', withRefreshToken: false });
    expect(await tokens.revokeFamily((await tokens.findByAccessToken(alone.accessToken))!)).toBe(1);
    expect(tokens.accessTokenState((await tokens.findByAccessToken(alone.accessToken))!)).toBe('revoked');
    expect(tokens.accessTokenState((await tokens.findByAccessToken(other.accessToken))!)).toBe('active');

    const first = await tokens.issue({ clientId: client.client_id, userId: null, scope: 'profile', withRefreshToken: true });
    const rotated = await tokens.rotate((await tokens.findByRefreshToken(first.refreshToken!))!, 'profile');
    expect(await tokens.revokeFamily((await tokens.findByAccessToken(rotated!.accessToken))!)).toBe(2);
  });
});
