import { Test, TestingModule } from '@nestjs/testing';
import { FixedClock } from '../common/clock';
import { ConfigModule } from '../config/config.module';
import { loadConfig } from '../config/env.validation';
import { DatabaseModule } from '../database/database.module';
import { Db } from '../database/db';
import { UsernameTakenError, UsersService } from './users.service';
import { UsersModule } from './users.module';

describe(UsersService.name, () => {
  let moduleRef: TestingModule;
  let users: UsersService;
  let clock: FixedClock;

  beforeEach(async () => {
    clock = new FixedClock(1_700_000_000);
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: 'sqlite::memory:', ARGON2_MEMORY_KIB: '1024', ARGON2_TIME_COST: '1' });
    moduleRef = await Test.createTestingModule({ imports: [ConfigModule.forRoot(config, clock), DatabaseModule, UsersModule] }).compile();
    await moduleRef.init();
    users = moduleRef.get(UsersService);
  });
  afterEach(() => moduleRef.close());

  describe('create', () => {
    it('stores the user with an argon2id hash and the clock time', async () => {
      const user = await users.create({ username: 'alice', password: 'correct horse', email: 'alice@example.com' });
      expect(user).toMatchObject({ id: 1, username: 'alice', email: 'alice@example.com', createdAt: 1_700_000_000 });
      expect(user.passwordHash).toMatch(/^\$argon2id\$/);
      expect(user.passwordHash).not.toContain('correct horse');
      expect(await users.findById(user.id)).toEqual(user);
    });

    it('stores a missing email as null', async () => {
      expect((await users.create({ username: 'bob', password: 'password1' })).email).toBeNull();
    });

    it('throws UsernameTakenError for a taken username', async () => {
      await users.create({ username: 'alice', password: 'password1' });
      await expect(users.create({ username: 'alice', password: 'password2' })).rejects.toBeInstanceOf(UsernameTakenError);
      expect((await users.list(10, 0))[1]).toBe(1);
    });

    it('lets the unique index decide between concurrent creates', async () => {
      const results = await Promise.allSettled([
        users.create({ username: 'race', password: 'password1' }),
        users.create({ username: 'race', password: 'password2' }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(UsernameTakenError);
    });
  });

  describe('findById', () => {
    it('answers null for an unknown id', async () => {
      expect(await users.findById(42)).toBeNull();
    });
  });

  describe('list', () => {
    it('pages in id order and counts all', async () => {
      for (const name of ['a', 'b', 'c']) await users.create({ username: name, password: 'password1' });
      const [page, total] = await users.list(2, 1);
      expect(page.map((u) => u.username)).toEqual(['b', 'c']);
      expect(total).toBe(3);
    });
  });

  describe('update', () => {
    it('changes username, email and password', async () => {
      const user = await users.create({ username: 'alice', password: 'old password' });
      const updated = await users.update(user.id, { username: 'alicia', email: 'a@example.com', password: 'new password' });
      expect(updated).toMatchObject({ id: user.id, username: 'alicia', email: 'a@example.com' });
      expect(updated!.passwordHash).not.toBe(user.passwordHash);
      expect(await users.verifyPassword('alicia', 'new password')).toMatchObject({ id: user.id });
      expect(await users.verifyPassword('alicia', 'old password')).toBeNull();
    });

    it('removes the email with null and keeps what is not given', async () => {
      const user = await users.create({ username: 'alice', password: 'password1', email: 'a@example.com' });
      expect(await users.update(user.id, { email: null })).toMatchObject({ username: 'alice', email: null, passwordHash: user.passwordHash });
    });

    it('throws UsernameTakenError when renaming to a taken name, and allows keeping its own', async () => {
      await users.create({ username: 'alice', password: 'password1' });
      const bob = await users.create({ username: 'bob', password: 'password1' });
      await expect(users.update(bob.id, { username: 'alice' })).rejects.toBeInstanceOf(UsernameTakenError);
      expect(await users.update(bob.id, { username: 'bob' })).toMatchObject({ username: 'bob' });
    });

    it('answers null for an unknown id', async () => {
      expect(await users.update(42, { email: null })).toBeNull();
    });
  });

  describe('delete', () => {
    it('deletes the user with their tokens (ON DELETE CASCADE)', async () => {
      const user = await users.create({ username: 'alice', password: 'password1' });
      const db = moduleRef.get(Db);
      await db.execute(
        "INSERT INTO oauth2_client (client_id, client_id_issued_at, client_metadata) VALUES ('c1', 1, '{}')",
        [],
      );
      await db.execute(
        "INSERT INTO oauth2_token (client_id, user_id, token_type, access_token_hash, scope, issued_at, expires_in, family_id) VALUES ('c1', ?, 'Bearer', 'h', 'profile', 1, 60, 'f')",
        [user.id],
      );
      expect(await users.delete(user.id)).toBe(true);
      expect(await users.findById(user.id)).toBeNull();
      expect(await db.query('SELECT id FROM oauth2_token')).toEqual([]);
    });

    it('answers false for an unknown id', async () => {
      expect(await users.delete(42)).toBe(false);
    });
  });

  describe('verifyPassword', () => {
    it('answers the user for the right password, null for a wrong one or an unknown user', async () => {
      const user = await users.create({ username: 'alice', password: 'right password' });
      expect(await users.verifyPassword('alice', 'right password')).toEqual(user);
      expect(await users.verifyPassword('alice', 'wrong password')).toBeNull();
      expect(await users.verifyPassword('nobody', 'right password')).toBeNull();
    });
  });
});
