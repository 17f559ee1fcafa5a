import { Controller, Get, Post, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { clientRules } from '../clients/client.entity';
import { ClientsService } from '../clients/clients.service';
import { ConsentsService } from '../consents/consents.service';
import { UsersService } from '../users/users.service';
import { verifyCsrf } from '../web/csrf.guard';
import { Params, firstValues, isFormEncoded, singleValued } from '../web/form-params';
import { AuthorizeService, UnverifiableRequestError } from './authorize.service';
import { PageExceptionFilter } from '../web/page-exception.filter';
import { PendingRequestService } from './pending-request.service';
import { PushedRequestResolver } from './pushed-request.resolver';
import { SessionService } from '../web/session.service';
import { matchRedirectUri } from '../grants/redirect-uri';
import { consentView } from './views/consent.view';
import { sendPage } from '../web/views/send-page';
import { sendAuthorizationResponse } from './authorization-response';

/** Longest sign-in redirect (with the request in return_to); a real request is well under 2 KB. */
const MAX_LOGIN_REDIRECT = 8192;

/** The consent form's fields: a POST carrying any of them is a decision, not a new request. */
const CONSENT_FIELDS = ['request_id', '_csrf', 'decision'];

/** A parsed form body back as a query string, repeated names kept. */
function asQuery(body: Record<string, unknown>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(body)) {
    for (const one of Array.isArray(value) ? value : [value]) if (typeof one === 'string') query.append(name, one);
  }
  return query.toString();
}

/** Where an answer to this redirect URI goes, as a person can check it: the host, or the scheme of a native app's URI. */
function redirectHost(uri: string): string {
  try {
    const url = new URL(uri);
    return url.host || `${url.protocol}…`;
  } catch {
    return uri.slice(0, 100);
  }
}

/** Authorization endpoint (RFC 6749 §3.1, §4.1.1, §4.2.1): sign-in if needed, consent, then the response (redirect or form_post). */
@ApiExcludeController()
@UseFilters(PageExceptionFilter)
@Controller('oauth')
export class AuthorizeController {
  constructor(
    private readonly authorize: AuthorizeService,
    private readonly sessions: SessionService,
    private readonly pending: PendingRequestService,
    private readonly users: UsersService,
    private readonly clients: ClientsService,
    private readonly consents: ConsentsService,
    private readonly pushedRequests: PushedRequestResolver,
  ) {}

  @Get('authorize')
  start(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const { params, repeated } = firstValues(req.query);
    return this.begin(params, repeated, req.url, req, reply);
  }

  /**
   * Two kinds of POST share this path. The consent form's answer carries the pending request's id,
   * `_csrf` and `decision`, and is CSRF-checked. Anything else is an authorization request sent
   * form-encoded (RFC 6749 §3.1 allows POST; OpenID Connect Core §3.1.2.1 requires it), handled
   * exactly as the GET: it is where a flow begins, so there is no form token to check yet.
   */
  @Post('authorize')
  async post(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const body = req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {};
    if (CONSENT_FIELDS.some((name) => name in body)) {
      verifyCsrf(req);
      return this.decide(req, reply);
    }
    if (!isFormEncoded(req)) throw new UnverifiableRequestError('the authorization request must be a GET or a form-encoded (application/x-www-form-urlencoded) POST');
    const { params, repeated } = firstValues(body);
    // After sign-in the browser comes back to the same request as a GET.
    return this.begin(params, repeated, `/oauth/authorize?${asQuery(body)}`, req, reply);
  }

  private async begin(params: Params, repeated: string[], returnTo: string, req: FastifyRequest, reply: FastifyReply): Promise<void> {
    // Every answer here may carry a code or token, in its Location or its form_post page (RFC 9700 §4.15; OAuth 2.1): no cache keeps it.
    reply.header('Cache-Control', 'no-store');
    // RFC 9126 §4: a request_uri of ours stands for the pushed parameters (and only those).
    const pushed = await this.pushedRequests.resolve(params, repeated);
    if (pushed) ({ params, repeated } = { params: pushed.params, repeated: [] });
    const { client, request } = await this.authorize.parse(params, repeated, { pushed: pushed !== null, ip: req.ip });
    // Used once: from here on the request lives on in the consent page's pending request, or in the code.
    const usePushed = async () => {
      if (pushed && !(await this.pushedRequests.use(pushed))) throw new UnverifiableRequestError('this request_uri was already used; start again from the application');
    };
    const session = await this.sessions.read(req);
    const user = session && (await this.users.findById(session.userId));
    // OpenID Connect prompt, max_age and id_token_hint may ask for a fresh sign-in (or refuse: prompt=none).
    const fresh = this.authorize.loginRedirect(request, returnTo, session && user ? session : null);
    if (fresh || !session || !user) {
      const login = fresh ?? `/login?return_to=${encodeURIComponent(returnTo)}`;
      // The request rides through sign-in in the Location header, which clients cap (Node: 16 KB).
      if (login.length > MAX_LOGIN_REDIRECT) throw new UnverifiableRequestError('the authorization request is too long');
      reply.redirect(login, 302);
      return;
    }
    // Remembered consent: a request within what this user already approved for this confidential,
    // vetted client goes straight through; a wider one asks. A public client's identity is not
    // assured (RFC 6749 §10.2, RFC 8252 §8.6) and an unvetted one named itself: asked every time.
    const remembered = client.metadata.skip_consent || (clientRules.remembersConsent(client) && (await this.consents.covers(user.id, client.clientId, request.scope)));
    if (!this.authorize.mustAskConsent(request, remembered)) {
      await usePushed();
      sendAuthorizationResponse(reply, await this.authorize.approve(request, user, session.authTime, { ip: req.ip }));
      return;
    }
    await usePushed();
    const requestId = await this.pending.save(reply, user.id, session.authTime, request);
    sendPage(
      reply,
      200,
      consentView({
        csrfToken: reply.generateCsrf(),
        requestId,
        clientName: client.metadata.client_name,
        clientUri: client.metadata.client_uri,
        username: user.username,
        scopes: request.scope.split(' ').filter(Boolean),
        ...(client.vetted ? {} : { unvettedRedirectHost: redirectHost(request.redirectUri) }),
      }),
    );
  }

  /** The consent form's answer: `decision` = approve | deny. */
  private async decide(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    reply.header('Cache-Control', 'no-store');
    const body = singleValued(req.body);
    const session = await this.sessions.read(req);
    const pending = await this.pending.load(req, body.request_id);
    if (!session || !pending || pending.userId !== session.userId) {
      throw new UnverifiableRequestError('this authorization request has expired or belongs to another session; start again from the application');
    }
    // The client may have changed since the page was shown: verify it and its redirect URI again.
    const client = await this.clients.findByClientId(pending.request.clientId);
    if (!client || !matchRedirectUri(pending.request.redirectUri, client.metadata.redirect_uris)) {
      throw new UnverifiableRequestError('the client or its redirect URI is no longer registered');
    }
    const user = await this.users.findById(session.userId);
    if (!user) throw new UnverifiableRequestError('the signed-in user no longer exists');
    // Single use: of two submissions of one page, only the one that removes the request goes on.
    if (!(await this.pending.clear(req, reply))) throw new UnverifiableRequestError('this authorization request was already answered; start again from the application');
    if (body.decision === 'approve') {
      await this.consents.remember(user.id, client.clientId, pending.request.scope, req.ip);
      sendAuthorizationResponse(reply, await this.authorize.approve(pending.request, user, pending.authTime, { ip: req.ip }));
    } else if (body.decision === 'deny') {
      sendAuthorizationResponse(reply, this.authorize.deny(pending.request));
    } else {
      throw new UnverifiableRequestError('decision must be approve or deny');
    }
  }
}
