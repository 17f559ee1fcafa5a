import { BadRequestException } from '@nestjs/common';
import type { DestinationStream } from 'pino';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { LogController } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import { parse as parseQuery } from 'node:querystring';
import { CorsPolicy, registerCors } from './oauth/cors.policy';
import { CSRF_COOKIE, bindCsrfSecretToSession } from './web/csrf.guard';
import { registerHostCookiePrefix } from './web/cookie-prefix';
import { DEVICE_COOKIE } from './web/device-cookie';
import { PENDING_REQUEST_COOKIE } from './oauth/pending-request.service';
import { registerPageHeaders } from './web/page-headers';
import { SESSION_COOKIE, sessionCookieId } from './web/session.service';
import { FrameworkErrorFilter } from './oauth/framework-error.filter';
import { AppModule } from './app.module';
import { AppConfig } from './config/app-config';
import { Clock } from './common/clock';
import { MAX_JSON_DEPTH, jsonNestingExceeds, jsonStringsWellFormed } from './common/json-depth';
import { createRootLogger, lazyChildLogger, NestPinoLogger } from './logging/logger';
import { MetricsService } from './metrics/metrics.service';
import { AuditService } from './audit/audit.service';
import { ShutdownState } from './health/shutdown-state';

export interface CreateAppOptions {
  /** Where log lines go (tests capture them); default stdout. */
  logDestination?: DestinationStream;
}

/** Probes and scrapes come every few seconds: their access lines are debug, not info. */
const QUIET_ROUTES = new Set(['/health', '/health/live', '/health/ready', '/metrics']);

const BODY_LIMIT = 64 * 1024;

/**
 * The two body types, registered by hand (Nest's defaults are then skipped). JSON nested deeper
 * than MAX_JSON_DEPTH is refused before it is parsed, so nothing downstream recurses through it,
 * and so is JSON whose strings are not valid Unicode; `__proto__` and `constructor.prototype` keys
 * are refused as Fastify does by default.
 */
function registerBodyParsers(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  app.useBodyParser('application/json', { bodyLimit: BODY_LIMIT }, (request, body, done) => {
    const text = body.toString('utf8');
    if (jsonNestingExceeds(text)) return done(new BadRequestException(`JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`), undefined);
    parseJson(request as Parameters<typeof parseJson>[0], text, (err, value) => {
      if (err) return done(err, undefined);
      if (!jsonStringsWellFormed(value)) return done(new BadRequestException('JSON body has a string that is not valid Unicode (a lone surrogate escape)'), undefined);
      done(null, value);
    });
  });
  // A repeated name becomes an array, as RFC 6749 §3.1 requires the endpoints to notice.
  app.useBodyParser('application/x-www-form-urlencoded', { bodyLimit: BODY_LIMIT }, (_request, body, done) => {
    done(null, parseQuery(body.toString('utf8')));
  });
}

/** The admin API refuses a body field it does not know (AdminValidationPipe): its request schemas say so. */
function closeAdminRequestBodies(document: OpenAPIObject): void {
  for (const [path, item] of Object.entries(document.paths)) {
    if (!path.startsWith('/admin/')) continue;
    for (const operation of Object.values(item) as Array<{ requestBody?: { content?: Record<string, { schema?: { $ref?: string } }> } }>) {
      const ref = operation?.requestBody?.content?.['application/json']?.schema?.$ref;
      const schema = ref ? document.components?.schemas?.[ref.replace('#/components/schemas/', '')] : undefined;
      if (schema && !('$ref' in schema)) schema.additionalProperties = false;
    }
  }
}

/** Builds the whole application (not listening yet): used by main.ts, the tests and the bench. */
export async function createApp(config: AppConfig, clock?: Clock, options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  const logger = createRootLogger(config, options.logDestination);
  // Fastify logs through the same pino instance; its own per-request lines are off (they carry
  // the URL with its query string): the onResponse hook below writes one line per request instead.
  // No Nest middleware is used, so its Express-style middleware runner is not registered.
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT,
    trustProxy: config.trustProxy as boolean /* Fastify also takes a hop count */,
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyChildLogger,
    skipMiddie: true,
    // While closing, Fastify would answer requests on open keep-alive connections with its own 503
    // (not RFC 6749, no Retry-After, not in the access log): they are served instead, with
    // Connection: close, and the database stays open until they are answered.
    return503OnClosing: false,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, clock, logger), adapter, {
    logger: new NestPinoLogger(logger),
    abortOnError: false,
  });
  const metrics = app.get(MetricsService);
  const audit = app.get(AuditService);
  const shutdown = app.get(ShutdownState);
  const fastify = app.getHttpAdapter().getInstance();
  // From SIGTERM on, each keep-alive connection ends after its next response (the drain).
  fastify.addHook('onRequest', (_request, reply, done) => {
    if (shutdown.shuttingDown) reply.header('Connection', 'close');
    done();
  });
  const access = logger.child({ log: 'access' });
  fastify.addHook('onResponse', (request, reply, done) => {
    // The route pattern, never the URL: query strings of /oauth/* carry codes and tokens.
    const route = request.routeOptions.url ?? '(unmatched)';
    const status = reply.statusCode;
    const ms = reply.elapsedTime;
    metrics.http.observe(request.method, route, status, ms / 1000);
    const known = request as typeof request & { oauthClient?: { clientId: string }; oauthErrorCode?: string };
    if (route === '/oauth/token' && known.oauthErrorCode) metrics.tokenErrors.inc({ error: known.oauthErrorCode });
    const level = QUIET_ROUTES.has(route) ? 'debug' : 'info';
    if (access.isLevelEnabled(level)) {
      const line = {
        req_id: request.id,
        method: request.method,
        route,
        status,
        ms: Math.round(ms * 10) / 10,
        ip: request.ip,
        ...(known.oauthClient ? { client_id: known.oauthClient.clientId } : {}),
        ...(known.oauthErrorCode ? { error: known.oauthErrorCode } : {}),
      };
      access[level](line, 'request');
    }
    done();
  });
  // Runs when the server has stopped accepting and every in-flight request is answered, before
  // the database closes: queued audit events are written then.
  fastify.addHook('onClose', async () => {
    await audit.onApplicationShutdown();
  });

  registerBodyParsers(app);
  // CORS for browser-based apps on the routes CORS_ROUTES lists, and no trace of it elsewhere.
  registerCors(fastify, app.get(CorsPolicy));
  await app.register(fastifyCookie, { secret: config.cookieSecret });
  // Under an https issuer the cookies are __Host- prefixed on the wire (registered right after the
  // cookie plugin: its onSend writes Set-Cookie first, and every later hook reads the plain names).
  if (config.secureCookies) registerHostCookiePrefix(fastify, [SESSION_COOKIE, CSRF_COOKIE, PENDING_REQUEST_COOKIE, DEVICE_COOKIE]);
  // Forms get their token from reply.generateCsrf(); CsrfGuard checks it (double submit, signed cookie).
  const csrfCookie = { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: config.secureCookies, signed: true };
  await app.register(fastifyCsrf, { cookieKey: CSRF_COOKIE, cookieOpts: csrfCookie });
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (request, reply, done) => {
      bindCsrfSecretToSession(request, reply, sessionCookieId(request), config.cookieSecret, csrfCookie);
      done();
    });
  await registerPageHeaders(app.getHttpAdapter().getInstance(), { hsts: config.secureCookies });

  if (config.docsEnabled) {
    const document = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('Gatehouse admin API')
        .setDescription('Manage users, OAuth clients and tokens. Every call needs `Authorization: Bearer <ADMIN_API_KEY>`.')
        .setVersion('1')
        .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'ADMIN_API_KEY' })
        .build(),
    );
    closeAdminRequestBodies(document);
    SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  }

  app.useGlobalFilters(new FrameworkErrorFilter(app.getHttpAdapter()));
  return app;
}
