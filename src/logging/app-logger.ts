import type { Logger } from 'pino';

/**
 * The process's pino logger as an injectable: AuditService and the access log write structured
 * fields through it rather than Nest's string-only Logger.
 */
export class AppLogger {
  constructor(readonly pino: Logger) {}

  child(bindings: Record<string, unknown>): Logger {
    return this.pino.child(bindings);
  }
}
