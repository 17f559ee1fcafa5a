import { ExecutionContext, UnauthorizedException } from '@nestjs/common';
import { loadConfig } from '../config/env.validation';
import { AdminApiKeyGuard } from './admin-api-key.guard';
import { AuditEvent, AuditService } from '../audit/audit.service';

const KEY = 'admin-key-0123456789abcdef';

function context(authorization?: string) {
  const headers: Record<string, string> = {};
  const reply = { header: (name: string, value: string) => ((headers[name] = value), reply) };
  const ctx = {
    switchToHttp: () => ({ getRequest: () => ({ headers: authorization === undefined ? {} : { authorization } }), getResponse: () => reply }),
  } as unknown as ExecutionContext;
  return { ctx, headers };
}

describe(AdminApiKeyGuard.name, () => {
  const events: AuditEvent[] = [];
  // The recorder only: what the guard reports, not how it is stored.
  const audit = { record: (event: AuditEvent) => events.push(event) } as unknown as AuditService;
  const guard = new AdminApiKeyGuard(loadConfig({ NODE_ENV: 'test', ADMIN_API_KEY: KEY }), audit);
  beforeEach(() => events.splice(0));

  it('records admin.authentication_failed for a wrong key, and nothing for the right one', () => {
    expect(() => guard.canActivate(context('Bearer wrong-key-0123456789').ctx)).toThrow(UnauthorizedException);
    expect(guard.canActivate(context(`Bearer ${KEY}`).ctx)).toBe(true);
    expect(events).toEqual([{ type: 'admin.authentication_failed', ip: undefined, detail: { reason: 'wrong key', method: undefined, route: null } }]);
  });

  it('lets the configured key through, with the scheme in any case', () => {
    for (const header of [`Bearer ${KEY}`, `bearer ${KEY}`, `Bearer  ${KEY} `]) {
      const { ctx, headers } = context(header);
      expect(guard.canActivate(ctx)).toBe(true);
      expect(headers['Cache-Control']).toBe('no-store');
    }
  });

  it('refuses a missing header with WWW-Authenticate: Bearer', () => {
    const { ctx, headers } = context();
    expect(() => guard.canActivate(ctx)).toThrow(new UnauthorizedException('missing admin API key: send Authorization: Bearer <ADMIN_API_KEY>'));
    expect(headers['WWW-Authenticate']).toBe('Bearer realm="admin"');
  });

  it.each([`Bearer ${KEY}x`, `Bearer ${KEY.slice(1)}`, 'Bearer x'])('refuses the wrong key %s as invalid_token', (header) => {
    const { ctx, headers } = context(header);
    expect(() => guard.canActivate(ctx)).toThrow(new UnauthorizedException('invalid admin API key'));
    expect(headers['WWW-Authenticate']).toBe('Bearer realm="admin", error="invalid_token"');
  });

  it.each([KEY, `Basic ${KEY}`, `Bearer ${KEY} extra`, 'Bearer'])('refuses the malformed header %s', (header) => {
    expect(() => guard.canActivate(context(header).ctx)).toThrow(UnauthorizedException);
  });
});
