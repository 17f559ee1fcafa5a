import { Injectable, Logger } from '@nestjs/common';

/** The security-relevant acts the server records. */
export type AuditEventType =
  | 'sign_in.succeeded'
  | 'sign_in.failed'
  | 'sign_in.locked_out'
  | 'session.ended'
  | 'consent.given'
  | 'consent.withdrawn'
  | 'token.issued'
  | 'token.revoked'
  | 'code.replayed'
  | 'refresh_token.replayed'
  | 'client.authentication_failed'
  | 'client.created'
  | 'client.changed'
  | 'client.secret_rotated'
  | 'client.deleted'
  | 'user.created'
  | 'user.changed'
  | 'user.deleted'
  | 'admin.authentication_failed';

export interface AuditEvent {
  type: AuditEventType;
  userId?: number | null;
  clientId?: string | null;
  /** The client IP as the server sees it. */
  ip?: string | null;
  /** Anything else worth keeping: never a secret, token, code, password or cookie. */
  detail?: Record<string, string | number | boolean | null>;
}

/** Records audit events: one structured log line each. */
@Injectable()
export class AuditService {
  private readonly logger = new Logger('Audit');

  record(event: AuditEvent): void {
    this.logger.log(JSON.stringify({ audit: event.type, ...event }));
  }
}
