import { DATABASES, startApp, TestApp } from '../support/start-app';
import { adminRequest } from '../factories/admin-request';
import { userFactory } from '../factories/user.factory';

describe.each(DATABASES)('admin users API (%s)', (_name, databaseUrl) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp(databaseUrl);
  });
  afterAll(() => t.close());

  describe('POST /admin/users', () => {
    it('creates a user and answers 201 with id, username, email and created_at only', async () => {
      const res = await adminRequest(t, 'POST', '/admin/users', { username: 'alice.a@corp-1', password: 'correct horse', email: 'alice@example.com' });
      expect(res.status).toBe(201);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.body).toEqual({ id: expect.any(Number), username: 'alice.a@corp-1', email: 'alice@example.com', created_at: t.clock.now() });
    });

    it('makes email optional (null)', async () => {
      const res = await adminRequest(t, 'POST', '/admin/users', { username: 'no-email', password: '12345678' });
      expect(res.status).toBe(201);
      expect(res.body.email).toBeNull();
    });

    it('answers 409 for a duplicate username', async () => {
      const { user } = await userFactory.create(t);
      const res = await adminRequest(t, 'POST', '/admin/users', { username: user.username, password: 'another password' });
      expect(res.status).toBe(409);
      expect(res.body).toEqual({ statusCode: 409, error: 'Conflict', message: 'username is already taken', fields: { username: 'is already taken' } });
    });

    it('answers 400 for malformed JSON', async () => {
      const res = await adminRequest(t, 'POST', '/admin/users', '{"username": "x", ');
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request', fields: { body: expect.stringMatching(/not valid JSON/) } });
    });

    it('answers 400 naming each field of the wrong type', async () => {
      const res = await adminRequest(t, 'POST', '/admin/users', { username: 42, password: ['x'], email: true });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: ['username: must be a string', 'password: must be a string', 'email: must be a string'],
        fields: { username: 'must be a string', password: 'must be a string', email: 'must be a string' },
      });
    });

    it('answers 400 naming a missing field', async () => {
      const res = await adminRequest(t, 'POST', '/admin/users', { username: 'bob' });
      expect(res.status).toBe(400);
      expect(res.body.fields).toEqual({ password: 'must be a string' });
    });

    it('answers 400 for an unknown field instead of dropping it', async () => {
      const res = await adminRequest(t, 'POST', '/admin/users', { username: 'carol', password: 'password1', password_hash: '$argon2id$x' });
      expect(res.status).toBe(400);
      expect(res.body.fields).toEqual({ password_hash: 'is not a known field' });
    });

    it.each([
      ['username longer than 64 characters', { username: 'u'.repeat(65) }, 'username', 'must be shorter than or equal to 64 characters'],
      ['empty username', { username: '' }, 'username', 'must be longer than or equal to 1 characters'],
      ['username with a space', { username: 'a b' }, 'username', 'must not contain spaces (RFC 8265 IdentifierClass)'],
      ['username with markup', { username: '<script>' }, 'username', 'may contain only letters, digits and . _ @ -'],
      ['password of 7 characters', { password: '1234567' }, 'password', 'must be longer than or equal to 8 characters'],
      ['password of 1025 characters', { password: 'p'.repeat(1025) }, 'password', 'must be shorter than or equal to 1024 characters'],
      ['invalid email', { email: 'not-an-email' }, 'email', 'must be an email'],
      ['email longer than 254 characters', { email: `${'e'.repeat(250)}@example.com` }, 'email', 'must be shorter than or equal to 254 characters'],
    ])('answers 400 for %s', async (_case, override, field, reason) => {
      const res = await adminRequest(t, 'POST', '/admin/users', { username: 'dave', password: 'password1', ...override });
      expect(res.status).toBe(400);
      expect(res.body.fields).toEqual({ [field]: reason });
      expect(res.body.message).toEqual([`${field}: ${reason}`]);
    });

    it('accepts a password of exactly 8 and of exactly 1024 characters', async () => {
      expect((await adminRequest(t, 'POST', '/admin/users', { username: 'eight', password: '8'.repeat(8) })).status).toBe(201);
      expect((await adminRequest(t, 'POST', '/admin/users', { username: 'long', password: 'l'.repeat(1024) })).status).toBe(201);
    });
  });

  describe('GET /admin/users/:id', () => {
    it('answers the user', async () => {
      const { user } = await userFactory.create(t);
      const res = await adminRequest(t, 'GET', `/admin/users/${user.id}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual(user);
    });

    it('answers 404 for an unknown id', async () => {
      const res = await adminRequest(t, 'GET', '/admin/users/999999');
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ statusCode: 404, error: 'Not Found', message: 'user 999999 not found' });
    });

    it.each(['abc', '1.5', '-1', '0', '99999999999999999999'])('answers 400 for the id %s', async (id) => {
      const res = await adminRequest(t, 'GET', `/admin/users/${id}`);
      expect(res.status).toBe(400);
      expect(Object.keys(res.body.fields)).toEqual(['id']);
    });
  });

  describe('PATCH /admin/users/:id', () => {
    it('changes the email and answers the user', async () => {
      const { user } = await userFactory.create(t);
      const res = await adminRequest(t, 'PATCH', `/admin/users/${user.id}`, { email: 'new@example.com' });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ ...user, email: 'new@example.com' });
      expect((await adminRequest(t, 'GET', `/admin/users/${user.id}`)).body.email).toBe('new@example.com');
    });

    it('removes the email with null', async () => {
      const { user } = await userFactory.create(t);
      const res = await adminRequest(t, 'PATCH', `/admin/users/${user.id}`, { email: null });
      expect(res.status).toBe(200);
      expect(res.body.email).toBeNull();
    });

    it('renames the user', async () => {
      const { user } = await userFactory.create(t);
      const res = await adminRequest(t, 'PATCH', `/admin/users/${user.id}`, { username: `${user.username}-renamed` });
      expect(res.status).toBe(200);
      expect(res.body.username).toBe(`${user.username}-renamed`);
    });

    it('answers 409 when renaming to a taken username', async () => {
      const { user: a } = await userFactory.create(t);
      const { user: b } = await userFactory.create(t);
      const res = await adminRequest(t, 'PATCH', `/admin/users/${b.id}`, { username: a.username });
      expect(res.status).toBe(409);
      expect(res.body.fields).toEqual({ username: 'is already taken' });
    });

    it('answers 400 for null username or password', async () => {
      const { user } = await userFactory.create(t);
      const res = await adminRequest(t, 'PATCH', `/admin/users/${user.id}`, { username: null, password: null });
      expect(res.status).toBe(400);
      expect(res.body.fields).toEqual({ username: 'must be a string', password: 'must be a string' });
    });

    it('answers 400 for a short password and an unknown field', async () => {
      const { user } = await userFactory.create(t);
      const res = await adminRequest(t, 'PATCH', `/admin/users/${user.id}`, { password: 'short', admin: true });
      expect(res.status).toBe(400);
      expect(res.body.fields).toEqual({ admin: 'is not a known field', password: 'must be longer than or equal to 8 characters' });
    });

    it('answers 404 for an unknown id', async () => {
      const res = await adminRequest(t, 'PATCH', '/admin/users/999999', { email: 'x@example.com' });
      expect(res.status).toBe(404);
      expect(res.body.message).toBe('user 999999 not found');
    });
  });

  describe('DELETE /admin/users/:id', () => {
    it('answers 204, then the user is gone', async () => {
      const { user } = await userFactory.create(t);
      const res = await adminRequest(t, 'DELETE', `/admin/users/${user.id}`);
      expect(res.status).toBe(204);
      expect(res.body).toBeNull();
      expect((await adminRequest(t, 'GET', `/admin/users/${user.id}`)).status).toBe(404);
    });

    it('answers 404 for an unknown id', async () => {
      expect((await adminRequest(t, 'DELETE', '/admin/users/999999')).status).toBe(404);
    });
  });

  describe('GET /admin/users', () => {
    it('pages with limit and offset and reports the total', async () => {
      const before = (await adminRequest(t, 'GET', '/admin/users')).body.total as number;
      const created = [];
      for (let i = 0; i < 3; i++) created.push((await userFactory.create(t)).user);
      const total = before + 3;

      const all = await adminRequest(t, 'GET', `/admin/users?limit=200`);
      expect(all.status).toBe(200);
      expect(all.body.total).toBe(total);
      expect(all.body.data).toHaveLength(total);
      expect(all.body.data.slice(-3)).toEqual(created);

      const page = await adminRequest(t, 'GET', `/admin/users?limit=2&offset=${total - 3}`);
      expect(page.body).toEqual({ data: created.slice(0, 2), total });
      const last = await adminRequest(t, 'GET', `/admin/users?limit=2&offset=${total - 1}`);
      expect(last.body).toEqual({ data: [created[2]], total });
      const beyond = await adminRequest(t, 'GET', `/admin/users?offset=${total + 10}`);
      expect(beyond.body).toEqual({ data: [], total });
    });

    it('defaults to 50 rows', async () => {
      let { total } = (await adminRequest(t, 'GET', '/admin/users')).body;
      while (total < 51) {
        await userFactory.create(t);
        total++;
      }
      const res = await adminRequest(t, 'GET', '/admin/users');
      expect(res.body.data).toHaveLength(50);
      expect(res.body.total).toBe(total);
    });

    it.each([
      ['limit=0', 'limit', 'must not be less than 1'],
      ['limit=201', 'limit', 'must not be greater than 200'],
      ['limit=ten', 'limit', 'must be an integer number'],
      ['offset=-1', 'offset', 'must not be less than 0'],
      ['sort=username', 'sort', 'is not a known field'],
    ])('answers 400 for ?%s', async (query, field, reason) => {
      const res = await adminRequest(t, 'GET', `/admin/users?${query}`);
      expect(res.status).toBe(400);
      expect(res.body.fields).toEqual({ [field]: reason });
    });

    it('never shows a password or its hash', async () => {
      await userFactory.create(t, { password: 'very secret password' });
      const res = await adminRequest(t, 'GET', '/admin/users?limit=200');
      const text = JSON.stringify(res.body);
      expect(text).not.toContain('very secret password');
      expect(text).not.toContain('argon2');
      expect(text).not.toContain('password');
    });
  });
});
