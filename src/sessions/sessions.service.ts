import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock';
import { randomToken, sha256 } from '../common/crypto';
import { UserSession } from './user-session.entity';
import { SessionsRepository } from './sessions.repository';

/** Ended or expired sessions stay listed this long for the operator, then go. */
const KEEP_ENDED = 30 * 24 * 3600;

export interface StartedSession {
  /** The cookie value: 256 random bits, never stored. */
  id: string;
  session: UserSession;
}

/**
 * Server-side sign-in sessions: a session exists while its row is neither ended nor expired, so
 * sign-out, a password change or an operator's call end it everywhere at once, on every instance.
 */
@Injectable()
export class SessionsService {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async start(userId: number, ttl: number, client: { ip?: string | null; userAgent?: string | null } = {}): Promise<StartedSession> {
    const id = randomToken(32);
    const now = this.clock.now();
    const session: Omit<UserSession, 'id'> = {
      idHash: sha256(id),
      userId,
      authTime: now,
      expiresAt: now + ttl,
      ip: client.ip?.slice(0, 45) ?? null,
      userAgent: client.userAgent?.slice(0, 255) ?? null,
      endedAt: null,
    };
    const rowId = await this.sessions.insert(session);
    // Housekeeping on the write path, which is rare next to reads.
    if (Math.random() < 0.05) await this.sessions.deleteStale(now - KEEP_ENDED);
    return { id, session: { ...session, id: rowId } };
  }

  /** The open session with this cookie id, or null (unknown, ended or expired). */
  async findActive(id: string): Promise<UserSession | null> {
    const session = await this.sessions.findByIdHash(sha256(id));
    if (!session || session.endedAt !== null || session.expiresAt <= this.clock.now()) return null;
    return session;
  }

  /** Ends this session (`reason`: sign_out, or signed_in_again when a new sign-in replaces it). */
  async end(id: string, ip?: string | null, reason: 'sign_out' | 'signed_in_again' = 'sign_out'): Promise<void> {
    const session = await this.sessions.findByIdHash(sha256(id));
    if (session && (await this.sessions.endByIdHash(session.idHash, this.clock.now()))) {
      this.audit.record({ type: 'session.ended', userId: session.userId, ip, detail: { reason, session_id: session.id } });
    }
  }

  /** Ends every open session of this user (password change, operator's call); answers how many. */
  async endAllForUser(userId: number, reason: string, ip?: string | null): Promise<number> {
    const ended = await this.sessions.endAllForUser(userId, this.clock.now());
    if (ended > 0) this.audit.record({ type: 'session.ended', userId, ip, detail: { reason, count: ended } });
    return ended;
  }

  listForUser(userId: number, limit: number, offset: number): Promise<[UserSession[], number]> {
    return this.sessions.listByUser(userId, limit, offset);
  }

  /** Whether the row is still open at this moment. */
  isActive(session: UserSession): boolean {
    return session.endedAt === null && session.expiresAt > this.clock.now();
  }
}
