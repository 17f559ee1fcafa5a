import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { parseScope } from '../common/oauth-types';
import { Db } from '../database/db';
import { TokensService } from '../tokens/tokens.service';
import { AuthorizationCodesService } from '../authorization-codes/authorization-codes.service';
import { ConsentGrant } from './consent-grant.entity';
import { ConsentsRepository } from './consents.repository';
import { AuditService } from '../audit/audit.service';

/**
 * Remembered consent: what a user approved for a client. A request for the same or fewer scopes
 * is approved without asking again; a wider one asks, and approving it widens the grant.
 */
@Injectable()
export class ConsentsService {
  constructor(
    private readonly consents: ConsentsRepository,
    private readonly tokens: TokensService,
    private readonly codes: AuthorizationCodesService,
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly audit: AuditService,
  ) {}

  /** True when this user already approved every scope of `scope` for this client. */
  async covers(userId: number, clientId: string, scope: string): Promise<boolean> {
    const grant = await this.consents.find(userId, clientId);
    if (!grant) return false;
    const granted = new Set(parseScope(grant.scope));
    return parseScope(scope).every((s) => granted.has(s));
  }

  /** Stores the approval, or widens the stored one to the union of both scopes. */
  async remember(userId: number, clientId: string, scope: string, ip?: string | null): Promise<void> {
    this.audit.record({ type: 'consent.given', userId, clientId, ip, detail: { scope } });
    // Optimistic: a concurrent approval either wins the unique key or changes the scope under us; read again.
    for (let attempt = 0; attempt < 5; attempt++) {
      const now = this.clock.now();
      const existing = await this.consents.find(userId, clientId);
      if (!existing) {
        try {
          await this.consents.insert({ userId, clientId, scope: parseScope(scope).join(' '), createdAt: now, updatedAt: now });
          return;
        } catch (err) {
          if (attempt === 4) throw err;
          continue;
        }
      }
      const union = [...new Set([...parseScope(existing.scope), ...parseScope(scope)])].join(' ');
      if (union === existing.scope) return;
      if (await this.consents.updateScope(existing.id, existing.scope, union, now)) return;
    }
    throw new Error('could not store the consent grant');
  }

  listForUser(userId: number): Promise<ConsentGrant[]> {
    return this.consents.listByUser(userId);
  }

  /**
   * Withdraws consent: forgets the grant, revokes every token it let the client get, and burns codes
   * not yet redeemed (a redeemed-after-revocation code would mint new tokens). False if none was given.
   */
  async revoke(userId: number, clientId: string, ip?: string | null): Promise<boolean> {
    const withdrawn = await this.db.transaction(async () => {
      const deleted = await this.consents.delete(userId, clientId);
      await this.codes.invalidateForUserAndClient(userId, clientId);
      const revoked = await this.tokens.revokeForUserAndClient(userId, clientId);
      return deleted || revoked > 0;
    });
    if (withdrawn) this.audit.record({ type: 'consent.withdrawn', userId, clientId, ip });
    return withdrawn;
  }
}
