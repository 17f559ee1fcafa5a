import { ExecutionContext, UnauthorizedException } from '@nestjs/common';
import { loadConfig } from '../config/env.validation';
import { AdminApiKeyGuard } from './admin-api-key.guard';
import { AuditEvent, AuditService } from '../audit/audit.service';
import { ThrottleService } from '../throttle/throttle.service';

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
  // A throttle that never locks (its rules have their own specs and the e2e suite).
  const throttle = { begin: async () => ({ retryAfter: 0, failed: async () => 0, succeeded: async () => undefined }) } as unknown as ThrottleService;
  const guard = new AdminApiKeyGuard(loadConfig({ NODE_ENV: 'test', ADMIN_API_KEY: KEY }), audit, throttle);
  beforeEach(() => events.splice(0));

  it('records admin.authentication_failed for a wrong key, and nothing for the right one', async () => {
    await expect(guard.canActivate(context('Bearer wrong-key-0123456789').ctx)).rejects.toThrow(UnauthorizedException);
    expect(await guard.canActivate(context(`Bearer ${KEY}`).ctx)).toBe(true);
    expect(events).toEqual([{ type: 'admin.authentication_failed', ip: undefined, detail: { reason: 'wrong key', method: undefined, route: null } }]);
  });

  it('lets the configured key through, with the scheme in any case', async () => {
    for (const header of [`Bearer ${KEY}`, `bearer ${KEY}`, `Bearer  ${KEY} `]) {
      const { ctx, headers } = context(header);
      expect(await guard.canActivate(ctx)).toBe(true);
      expect(headers['Cache-Control']).toBe('no-store');
    }
  });

  it('refuses a missing header with WWW-Authenticate: Bearer', async () => {
    const { ctx, headers } = context();
    await expect(guard.canActivate(ctx)).rejects.toThrow(new UnauthorizedException('missing admin API key: send Authorization: Bearer <ADMIN_API_KEY>'));
    expect(headers['WWW-Authenticate']).toBe('Bearer realm="admin"');
  });

  it.each([`Bearer ${KEY}x`, `Bearer ${KEY.slice(1)}`, 'Bearer x'])('refuses the wrong key %s as invalid_token', async (header) => {
    const { ctx, headers } = context(header);
    await expect(guard.canActivate(ctx)).rejects.toThrow(new UnauthorizedException('invalid admin API key'));
    expect(headers['WWW-Authenticate']).toBe('Bearer realm="admin", error="invalid_token"');
  });

  it.each([KEY, `Basic ${KEY}`, `Bearer ${KEY} extra`, 'Bearer'])('refuses the malformed header %s', async (header) => {
    await expect(guard.canActivate(context(header).ctx)).rejects.toThrow(UnauthorizedException);
  });
});
