import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { ClientsService } from '../clients/clients.service';
import { Clock } from '../common/clock';
import { hashPassword, verifyPassword } from '../common/crypto';
import { User } from './user.entity';
import { UsersRepository } from './users.repository';
import { AuditService } from '../audit/audit.service';
import { InvalidInputError } from '../common/dto/validation';
import { canonicalUsername, checkUsername } from './username';
import { SessionsService } from '../sessions/sessions.service';
import { TokensService } from '../tokens/tokens.service';

export interface NewUser {
  username: string;
  password: string;
  email?: string | null;
}

/** The canonical form of a new username, or a 400 naming the rule it breaks (the DTOs check first). */
function newUsername(input: string): string {
  const check = checkUsername(input);
  if (!check.ok) throw new InvalidInputError({ username: check.rule });
  return check.canonical;
}

/** A username is taken (another account has the same canonical form). */
export class UsernameTakenError extends Error {
  constructor() {
    super('username is already taken');
  }
}

@Injectable()
export class UsersService {
  /** Verified against when the username is unknown, so both answers take the same time. */
  private dummyHash: Promise<string> | undefined;

  constructor(
    private readonly users: UsersRepository,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    private readonly clients: ClientsService,
    private readonly sessions: SessionsService,
    private readonly tokens: TokensService,
  ) {}

  findById(id: number): Promise<User | null> {
    return this.users.findById(id);
  }

  list(limit: number, offset: number): Promise<[User[], number]> {
    return this.users.list(limit, offset);
  }

  /** The user whose username has the same canonical form as `username`, or null. */
  findByUsername(username: string): Promise<User | null> {
    const canonical = canonicalUsername(username);
    return canonical === null ? Promise.resolve(null) : this.users.findByCanonicalUsername(canonical);
  }

  /** Whether some account has this username (in any spelling of its canonical form). */
  async knows(username: string): Promise<boolean> {
    return (await this.findByUsername(username)) !== null;
  }

  async create(input: NewUser, ip?: string | null): Promise<User> {
    const canonical = newUsername(input.username);
    if (await this.users.findByCanonicalUsername(canonical)) throw new UsernameTakenError();
    const passwordHash = await hashPassword(input.password, this.config.argon2);
    try {
      const user = await this.users.insert({
        username: input.username,
        usernameCanonical: canonical,
        email: input.email ?? null,
        passwordHash,
        createdAt: this.clock.now(),
      });
      this.audit.record({ type: 'user.created', userId: user.id, ip });
      return user;
    } catch (err) {
      // Two concurrent creates: the unique index decides.
      if (await this.users.findByCanonicalUsername(canonical)) throw new UsernameTakenError();
      throw err;
    }
  }

  async update(id: number, changes: { username?: string; password?: string; email?: string | null }, ip?: string | null): Promise<User | null> {
    const user = await this.users.findById(id);
    if (!user) return null;
    const patch: Partial<User> = {};
    if (changes.username !== undefined && changes.username !== user.username) {
      const canonical = newUsername(changes.username);
      const holder = await this.users.findByCanonicalUsername(canonical);
      if (holder && holder.id !== id) throw new UsernameTakenError();
      patch.username = changes.username;
      patch.usernameCanonical = canonical;
    }
    if (changes.email !== undefined) patch.email = changes.email;
    if (changes.password !== undefined) patch.passwordHash = await hashPassword(changes.password, this.config.argon2);
    if (Object.keys(patch).length > 0) {
      await this.users.update(id, patch);
      // Whoever knew the old password may hold a session or tokens: they end with the password.
      const revoked: Record<string, number> = {};
      if (patch.passwordHash !== undefined) {
        revoked.sessions_ended = await this.sessions.endAllForUser(id, 'password_changed', ip);
        revoked.tokens_revoked = await this.tokens.revokeForUser(id);
      }
      // Which fields changed, never their values.
      this.audit.record({ type: 'user.changed', userId: id, ip, detail: { fields: Object.keys(changes).filter((k) => changes[k as keyof typeof changes] !== undefined).sort().join(' '), ...revoked } });
    }
    return { ...user, ...patch };
  }

  async delete(id: number, ip?: string | null): Promise<boolean> {
    const deleted = await this.users.delete(id);
    if (deleted) {
      // The user's own clients went with it (ON DELETE CASCADE).
      await this.clients.ownerDeleted();
      this.audit.record({ type: 'user.deleted', userId: id, ip });
    }
    return deleted;
  }

  /**
   * The user whose password this is, or null. An unknown username costs one argon2id verify too,
   * so the answer takes about the same time either way.
   */
  async verifyPassword(username: string, password: string): Promise<User | null> {
    const user = await this.findByUsername(username);
    if (!user) {
      this.dummyHash ??= hashPassword('not a real password', this.config.argon2);
      await verifyPassword(await this.dummyHash, password);
      return null;
    }
    return (await verifyPassword(user.passwordHash, password)) ? user : null;
  }
}
