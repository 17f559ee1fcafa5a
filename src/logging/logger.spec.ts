import { Writable } from 'node:stream';
import { createRootLogger, lazyChildLogger, NestPinoLogger, redactSecrets } from './logger';

function sink() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, stream };
}

describe('createRootLogger', () => {
  it('writes one JSON object per line with an ISO time and the level name', () => {
    const { lines, stream } = sink();
    createRootLogger({ logLevel: 'info', logFormat: 'json' }, stream).info({ a: 1 }, 'hello');
    expect(lines).toEqual([{ level: 'info', time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), service: 'gatehouse', a: 1, msg: 'hello' }]);
  });

  it('redacts credentials wherever a logged object carries them', () => {
    const { lines, stream } = sink();
    createRootLogger({ logLevel: 'info', logFormat: 'json' }, stream).info({
      req: { headers: { authorization: 'Basic c2VjcmV0', cookie: 'gh_session=abc', host: 'x' }, body: { password: 'p' } },
      res: { headers: { 'set-cookie': 'gh_session=abc' } },
      detail: { client_secret: 's', refresh_token: 'r', access_token: 'a', code_verifier: 'v', scope: 'profile' },
      password: 'p',
    });
    expect(lines[0]).toMatchObject({
      req: { headers: { authorization: '[redacted]', cookie: '[redacted]', host: 'x' }, body: '[redacted]' },
      res: { headers: { 'set-cookie': '[redacted]' } },
      detail: { client_secret: '[redacted]', refresh_token: '[redacted]', access_token: '[redacted]', code_verifier: '[redacted]', scope: 'profile' },
      password: '[redacted]',
    });
  });

  it('honours LOG_LEVEL', () => {
    const { lines, stream } = sink();
    const logger = createRootLogger({ logLevel: 'warn', logFormat: 'json' }, stream);
    logger.info('no');
    logger.warn('yes');
    expect(lines.map((l) => l.msg)).toEqual(['yes']);
  });
});

describe(NestPinoLogger.name, () => {
  it('writes Nest lines as JSON with their context, and route mapping only at debug', () => {
    const { lines, stream } = sink();
    const nest = new NestPinoLogger(createRootLogger({ logLevel: 'info', logFormat: 'json' }, stream));
    nest.log('Mapped {/oauth/token, POST} route', 'RouterExplorer');
    nest.log('AppModule dependencies initialized', 'InstanceLoader');
    nest.warn('careful', 'OAuth');
    nest.error('boom', 'Error: boom\n    at x', 'Pages');
    expect(lines).toEqual([
      expect.objectContaining({ level: 'warn', context: 'OAuth', msg: 'careful' }),
      expect.objectContaining({ level: 'error', context: 'Pages', msg: 'boom', stack: 'Error: boom\n    at x' }),
    ]);
  });

  it('leaves start-up failures to the one line main.ts prints', () => {
    const { lines, stream } = sink();
    const nest = new NestPinoLogger(createRootLogger({ logLevel: 'info', logFormat: 'json' }, stream));
    nest.error('Unable to connect to the database.', 'Error: ...', 'TypeOrmModule');
    expect(lines).toEqual([]);
  });
});

describe('lazyChildLogger', () => {
  it('makes the pino child only when a line is written at an enabled level, with the bindings and redaction', () => {
    const { lines, stream } = sink();
    const root = createRootLogger({ logLevel: 'info', logFormat: 'json' }, stream);
    const child = jest.spyOn(root, 'child');
    const log = lazyChildLogger(root, { reqId: 'req-7' }, {});
    log.debug('dropped');
    expect(child).not.toHaveBeenCalled();
    log.info({ password: 'p' }, 'kept');
    log.warn('again');
    expect(child).toHaveBeenCalledTimes(1);
    expect(lines).toEqual([
      expect.objectContaining({ level: 'info', reqId: 'req-7', password: '[redacted]', msg: 'kept' }),
      expect.objectContaining({ level: 'warn', reqId: 'req-7', msg: 'again' }),
    ]);
  });

  it("honours a route's own level", () => {
    const { lines, stream } = sink();
    const log = lazyChildLogger(createRootLogger({ logLevel: 'warn', logFormat: 'json' }, stream), { reqId: 'r' }, { level: 'debug' });
    log.debug('shown');
    expect(lines).toEqual([expect.objectContaining({ level: 'debug', reqId: 'r', msg: 'shown' })]);
  });
});

describe('redactSecrets', () => {
  it('replaces secrets at any of the first levels, in objects and arrays, without touching the original', () => {
    const original = { a: { b: { token: 't', keep: 1 } }, list: [{ client_secret: 's' }, 'x'], query: { code: 'c' } };
    const snapshot = JSON.parse(JSON.stringify(original));
    expect(redactSecrets(original)).toEqual({ a: { b: { token: '[redacted]', keep: 1 } }, list: [{ client_secret: '[redacted]' }, 'x'], query: '[redacted]' });
    expect(original).toEqual(snapshot);
  });

  it('returns a line without secrets as it is (no copy)', () => {
    const line = { method: 'POST', route: '/oauth/token', status: 200, nested: { ms: 1.2 } };
    expect(redactSecrets(line)).toBe(line);
  });

  it('leaves errors to the error serializer', () => {
    const err = new Error('boom');
    expect(redactSecrets({ err }).err).toBe(err);
  });
});
