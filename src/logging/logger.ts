import { LoggerService } from '@nestjs/common';
import pino, { Bindings, ChildLoggerOptions, DestinationStream, Logger, LevelWithSilent } from 'pino';
import type { FastifyBaseLogger } from 'fastify';
import { AppConfig } from '../config/app-config';

/**
 * Names under which a secret could sit in something logged: a token, password, code verifier,
 * cookie or Authorization header, and whole request bodies and query strings (they carry codes
 * and credentials). Nothing on the request path logs headers or bodies, so this is a second line
 * of defence: a stray `logger.info({ req })` still prints none of them.
 */
export const REDACTED_KEYS: ReadonlySet<string> = new Set([
  'password', 'client_secret', 'secret', 'code_verifier', 'token', 'access_token', 'refresh_token', 'cookie', 'set-cookie',
  'authorization', 'proxy-authorization', 'adminApiKey', 'cookieSecret', 'body', 'query',
]);
const REDACT_DEPTH = 4;

/**
 * `value` with every property named in REDACTED_KEYS replaced by "[redacted]", down to
 * REDACT_DEPTH levels; objects without one are returned as they are, and the caller's objects
 * are never changed. (pino's path-based `redact` costs tens of µs per line with wildcard paths,
 * which an access line per request cannot afford.)
 */
export function redactSecrets<T>(value: T, depth = 0): T {
  if (depth >= REDACT_DEPTH || value === null || typeof value !== 'object' || value instanceof Error) return value;
  const source = value as Record<string, unknown>;
  let copy: Record<string, unknown> | null = null;
  for (const key of Object.keys(source)) {
    const field = source[key];
    const safe = REDACTED_KEYS.has(key) ? '[redacted]' : redactSecrets(field, depth + 1);
    if (safe !== field) (copy ??= Array.isArray(source) ? [...source] as unknown as Record<string, unknown> : { ...source })[key] = safe;
  }
  return (copy ?? value) as T;
}

const LEVELS: Record<AppConfig['logLevel'], LevelWithSilent> = { silent: 'silent', error: 'error', warn: 'warn', info: 'info', debug: 'debug' };

/**
 * The one pino logger of the process: Fastify's request logger and Nest's Logger both write
 * through it. JSON lines unless LOG_FORMAT=pretty.
 */
export function createRootLogger(config: Pick<AppConfig, 'logLevel' | 'logFormat'>, destination?: DestinationStream): Logger {
  const options = {
    level: LEVELS[config.logLevel],
    base: { service: 'gatehouse' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }), log: redactSecrets, bindings: redactSecrets },
  };
  if (destination) return pino(options, destination);
  if (config.logFormat === 'pretty') {
    // Loaded only when asked for: production images need not ship it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pretty = require('pino-pretty') as (o: object) => DestinationStream;
    return pino(options, pretty({ colorize: process.stdout.isTTY === true, sync: true, ignore: 'pid,hostname,service' }));
  }
  return pino(options, pino.destination({ dest: 1, sync: true }));
}

/**
 * Nest's framework chatter that says nothing an operator needs: one line per module and per
 * mapped route (~70 lines at each start). Kept at debug.
 */
const QUIET_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'NestApplication']);
/** Start-up failures are reported once by main.ts in one line; these repeat them with stacks. */
const STARTUP_FAILURE_CONTEXTS = new Set(['TypeOrmModule', 'ExceptionHandler']);

/** Nest's LoggerService on top of the pino logger, so Nest's own lines are JSON too. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...rest: unknown[]): void {
    const context = contextOf(rest);
    this.write(QUIET_CONTEXTS.has(context ?? '') ? 'debug' : 'info', message, context);
  }
  error(message: unknown, ...rest: unknown[]): void {
    const context = contextOf(rest);
    if (STARTUP_FAILURE_CONTEXTS.has(context ?? '')) return this.write('debug', message, context);
    const stack = rest.length > 1 && typeof rest[0] === 'string' ? rest[0] : undefined;
    this.write('error', message, context, stack);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, contextOf(rest));
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, contextOf(rest));
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, contextOf(rest));
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, contextOf(rest));
  }

  private write(level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal', message: unknown, context?: string, stack?: string): void {
    if (!this.logger.isLevelEnabled(level)) return;
    const fields: Record<string, unknown> = {};
    if (context) fields.context = context;
    if (stack) fields.stack = stack;
    if (message instanceof Error) {
      fields.err = message;
      this.logger[level](fields, message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.logger[level]({ ...fields, ...(message as object) });
    } else {
      this.logger[level](fields, String(message));
    }
  }
}

/** Nest passes the context as the last extra argument. */
function contextOf(rest: unknown[]): string | undefined {
  const last = rest[rest.length - 1];
  return typeof last === 'string' ? last : undefined;
}

type LogMethod = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * Fastify's per-request logger (`request.log`, with the request id), made only when something
 * logs through it: on the hot paths nothing does, and a pino child with redaction costs more
 * than the rest of some requests' logging.
 */
class LazyChildLogger {
  private made?: FastifyBaseLogger;
  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}
  private get logger(): FastifyBaseLogger {
    return (this.made ??= this.parent.child(this.bindings, this.options));
  }
  get level(): string {
    return this.logger.level;
  }
  set level(level: string) {
    this.logger.level = level;
  }
  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.logger.child(bindings, options);
  }
  fatal(...args: unknown[]): void {
    this.write('fatal', args);
  }
  error(...args: unknown[]): void {
    this.write('error', args);
  }
  warn(...args: unknown[]): void {
    this.write('warn', args);
  }
  info(...args: unknown[]): void {
    this.write('info', args);
  }
  debug(...args: unknown[]): void {
    this.write('debug', args);
  }
  trace(...args: unknown[]): void {
    this.write('trace', args);
  }
  silent(): void {}
  private write(level: LogMethod, args: unknown[]): void {
    // A line the parent would drop needs no child (unless this request has a level of its own).
    if (!this.made && this.options.level === undefined && !(this.parent as Logger).isLevelEnabled(level)) return;
    (this.logger[level] as (...a: unknown[]) => void)(...args);
  }
}

/** Fastify's `childLoggerFactory`: request loggers made on first use. */
export function lazyChildLogger(parent: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  return new LazyChildLogger(parent, bindings, options) as unknown as FastifyBaseLogger;
}
