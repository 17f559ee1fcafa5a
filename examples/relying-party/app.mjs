/**
 * A web app that signs people in with Gatehouse (OpenID Connect, authorization code + PKCE),
 * written with openid-client v6 and plain node:http, for a first look at the whole round trip:
 * sign-in and consent, the ID token's claims, userinfo, the protected resource /api/profile called
 * with the access token, a refresh, and RP-initiated logout back to this app.
 *
 *   npm start                 # Gatehouse on http://127.0.0.1:3000, in one terminal
 *   npm run example           # this app on http://127.0.0.1:8080, in another
 *
 * Settings (environment): ISSUER (http://127.0.0.1:3000), PORT (8080; 0 picks a free one),
 * ADMIN_API_KEY (else read from data/gatehouse-secrets.json, as npm start writes it outside
 * production), CLIENT_FILE (where the registered client is kept; client.json beside this file).
 *
 * On its first start the app registers itself as a confidential client through the admin API and
 * keeps the client id and secret in CLIENT_FILE (mode 0600); later starts reuse it while the issuer
 * and the app's address are the same and Gatehouse still knows the client.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import * as client from 'openid-client';

const ISSUER = (process.env.ISSUER || 'http://127.0.0.1:3000').replace(/\/+$/, '');
const PORT = Number(process.env.PORT ?? 8080);
const HOST = '127.0.0.1';
const CLIENT_FILE = process.env.CLIENT_FILE || fileURLToPath(new URL('client.json', import.meta.url));
const SECRETS_FILE = fileURLToPath(new URL('../../data/gatehouse-secrets.json', import.meta.url));
const SCOPE = 'openid profile email';
/** Gatehouse's cookies live on 127.0.0.1 too (cookies ignore the port): this name is the app's own. */
const COOKIE = 'example_rp_session';
const SESSION_IDLE_SECONDS = 8 * 3600;

// ---------------------------------------------------------------------------------------------
// The client registration (admin API) and the user check.

function adminKey() {
  if (process.env.ADMIN_API_KEY) return process.env.ADMIN_API_KEY;
  if (!existsSync(SECRETS_FILE)) return undefined;
  return JSON.parse(readFileSync(SECRETS_FILE, 'utf8')).admin_api_key || undefined;
}

/** Calls Gatehouse's admin API; resolves { status, body }. */
async function admin(method, path, body) {
  const key = adminKey();
  if (!key) throw new Error(`no admin key: set ADMIN_API_KEY, or run Gatehouse with npm start at the repository root (it writes ${SECRETS_FILE})`);
  const res = await fetch(`${ISSUER}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (res.status === 401) throw new Error(`Gatehouse at ${ISSUER} refused the admin key: is it that server's key?`);
  return { status: res.status, body: res.status === 204 ? null : await res.json() };
}

/** The client this app signs in with: the saved one when it still fits, else a new registration. */
async function ensureClient(origin) {
  const wanted = { issuer: ISSUER, redirect_uri: `${origin}/callback`, post_logout_redirect_uri: `${origin}/signed-out` };
  const saved = existsSync(CLIENT_FILE) ? JSON.parse(readFileSync(CLIENT_FILE, 'utf8')) : null;
  if (saved && Object.entries(wanted).every(([k, v]) => saved[k] === v)) {
    // Still registered? (A fresh database, or a client deleted in the console, means no.)
    const known = adminKey() ? (await admin('GET', `/admin/clients/${encodeURIComponent(saved.client_id)}`)).status === 200 : true;
    if (known) return saved;
  }
  const { status, body } = await admin('POST', '/admin/clients', {
    client_name: 'Gatehouse example app',
    redirect_uris: [wanted.redirect_uri],
    post_logout_redirect_uris: [wanted.post_logout_redirect_uri],
    grant_types: ['authorization_code', 'refresh_token'],
    scope: SCOPE,
    // openid-client's default for a client with a secret: the secret goes in the token request's body.
    token_endpoint_auth_method: 'client_secret_post',
  });
  if (status !== 201) throw new Error(`registering the client failed (${status}): ${JSON.stringify(body)}`);
  const registered = { ...wanted, client_id: body.client_id, client_secret: body.client_secret };
  writeFileSync(CLIENT_FILE, `${JSON.stringify(registered, null, 2)}\n`, { mode: 0o600 });
  return registered;
}

/** How many users Gatehouse has (null when the admin API cannot tell). */
async function userCount() {
  try {
    const { status, body } = await admin('GET', '/admin/users?limit=1');
    return status === 200 ? body.total : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Sessions: in memory, found by a random cookie. Each holds a CSRF token for the app's forms,
// the checks of a sign-in under way (state, nonce, PKCE verifier), and once signed in the tokens.

const sessions = new Map();

function cookieOf(req) {
  const match = new RegExp(`(?:^|;\\s*)${COOKIE}=([\\w-]+)`).exec(req.headers.cookie ?? '');
  return match ? match[1] : undefined;
}

function currentSession(req) {
  const id = cookieOf(req);
  const session = id && sessions.get(id);
  if (!session || session.seen < Date.now() / 1000 - SESSION_IDLE_SECONDS) return undefined;
  session.seen = Date.now() / 1000;
  return session;
}

function newSession(res) {
  const now = Date.now() / 1000;
  for (const [id, s] of sessions) if (s.seen < now - SESSION_IDLE_SECONDS) sessions.delete(id);
  const id = randomBytes(32).toString('base64url');
  const session = { id, seen: now, csrf: randomBytes(32).toString('base64url') };
  sessions.set(id, session);
  res.setHeader('set-cookie', `${COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax`);
  return session;
}

/** A new id (and CSRF token) for a session that just signed in: an id planted before sign-in is worthless after it. */
function renewSession(session, res) {
  sessions.delete(session.id);
  const { id, csrf, seen, ...data } = session;
  return Object.assign(newSession(res), data);
}

function endSession(session, res) {
  sessions.delete(session.id);
  res.setHeader('set-cookie', `${COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`);
}

function sameSecret(a, b) {
  const x = Buffer.from(String(a ?? ''));
  const y = Buffer.from(String(b ?? ''));
  return x.length === y.length && timingSafeEqual(x, y);
}

// ---------------------------------------------------------------------------------------------
// What the signed-in page shows: userinfo and /api/profile, both read with the access token.

async function callProfile(config, accessToken) {
  try {
    const res = await client.fetchProtectedResource(config, accessToken, new URL(`${ISSUER}/api/profile`), 'GET');
    return { status: res.status, body: await res.text() };
  } catch (err) {
    return { status: err.response?.status ?? 0, body: describeError(err) };
  }
}

async function readAccount(config, session) {
  try {
    // openid-client checks that userinfo's sub is the ID token's.
    session.userinfo = await client.fetchUserInfo(config, session.tokens.access_token, session.claims.sub);
  } catch (err) {
    session.userinfo = { error: describeError(err) };
  }
  session.profile = await callProfile(config, session.tokens.access_token);
}

function keepTokens(session, tokens) {
  session.tokens = {
    access_token: tokens.access_token,
    // Gatehouse rotates the refresh token on every use; keep the previous one if none came back.
    refresh_token: tokens.refresh_token ?? session.tokens?.refresh_token,
    expires_at: tokens.expires_in ? Math.floor(Date.now() / 1000) + tokens.expires_in : undefined,
    scope: tokens.scope ?? session.tokens?.scope,
  };
  // A refresh may bring a new ID token (openid-client has checked it against the first one's sub).
  if (tokens.id_token) {
    session.idToken = tokens.id_token;
    session.claims = tokens.claims();
    session.claimsFrom = session.claims.nonce === undefined ? 'refresh' : 'sign-in';
  }
}

/** What went wrong, from openid-client's errors (the server's error code and description when it said). */
function describeError(err) {
  if (err && typeof err.error === 'string') return err.error_description ? `${err.error}: ${err.error_description}` : err.error;
  // openid-client's own checks say what failed in the cause ("unexpected "state" response parameter value").
  const cause = err?.cause?.message;
  return cause && cause !== err.message ? `${err.message} (${cause})` : String(err?.message ?? err);
}

// ---------------------------------------------------------------------------------------------
// Pages.

const esc = (v) => String(v).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
const json = (v) => esc(JSON.stringify(v, null, 2));
/** A short fingerprint, so a refresh shows a new access token without showing the token. */
const fingerprint = (token) => createHash('sha256').update(token).digest('hex').slice(0, 12);

function send(res, status, title, body) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' " + ISSUER });
  res.end(`<!doctype html><html lang="en"><meta charset="utf-8"><title>${esc(title)} · Gatehouse example app</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem}pre{background:#f4f4f4;padding:.75rem;overflow:auto}
.note pre{white-space:pre-wrap}form{display:inline}button,a.button{font:inherit;padding:.4rem 1rem;margin-right:.5rem}.note{background:#fff6d5;padding:.75rem}</style>
<h1>${esc(title)}</h1>
${body}</html>`);
}

async function homePage(res, session, banner = '') {
  if (session?.tokens) {
    const t = session.tokens;
    return send(
      res,
      200,
      `Signed in as ${session.userinfo?.preferred_username ?? session.claims.sub}`,
      `${banner}<p>Signed in with Gatehouse at <code>${esc(ISSUER)}</code>: user <code id="sub">${esc(session.claims.sub)}</code>,
e-mail <code id="email">${esc(session.userinfo?.email ?? '(no email scope)')}</code>.</p>
<h2>The ID token's claims</h2>
<p id="claims-from">${
        session.claimsFrom === 'refresh'
          ? "From the last refresh's ID token, checked by openid-client: signature (the issuer's JWKS), <code>iss</code>, <code>aud</code>, expiry, and the same <code>sub</code> as at sign-in (no <code>nonce</code> on a refresh)."
          : "From the sign-in's ID token, checked by openid-client: signature (the issuer's JWKS), <code>iss</code>, <code>aud</code>, expiry and the <code>nonce</code> this app sent."
      }</p>
<pre id="claims">${json(session.claims)}</pre>
<h2>UserInfo (<code>/oauth/userinfo</code>)</h2>
<pre id="userinfo">${json(session.userinfo)}</pre>
<h2>The protected resource (<code>GET /api/profile</code> with the access token)</h2>
<p>HTTP <span id="profile-status">${esc(session.profile.status)}</span></p>
<pre id="profile">${esc(session.profile.body)}</pre>
<h2>Tokens</h2>
<p>Access token <code id="access-token">${esc(fingerprint(t.access_token))}</code> (SHA-256 prefix), scope <code>${esc(t.scope ?? '')}</code>,
expires ${t.expires_at ? `at <code>${esc(new Date(t.expires_at * 1000).toISOString())}</code>` : 'never'};
refreshed <span id="refreshes">${session.refreshes ?? 0}</span> time(s)${t.refresh_token ? '' : ' (no refresh token)'}.</p>
<form method="post" action="/refresh"><input type="hidden" name="csrf" value="${esc(session.csrf)}"><button id="refresh">Refresh the tokens</button></form>
<form method="post" action="/logout"><input type="hidden" name="csrf" value="${esc(session.csrf)}"><button id="sign-out">Sign out</button></form>`,
    );
  }
  const users = await userCount();
  const noUser =
    users === 0
      ? `<div class="note" id="no-user"><p>Gatehouse has no users yet. Create one at the repository root, then sign in as that user:</p>
<pre>printf '%s\\n' 'correct horse battery' | npm run -s cli -- user:create --username alice --email alice@example.com</pre></div>`
      : '';
  return send(
    res,
    200,
    'Gatehouse example app',
    `${banner}<p>This app signs you in with Gatehouse at <code>${esc(ISSUER)}</code> (OpenID Connect, authorization code with PKCE),
then shows what it learned: the ID token's claims, userinfo and the answer of <code>/api/profile</code>.</p>
${noUser}<p><a class="button" id="sign-in" href="/login">Sign in with Gatehouse</a></p>`,
  );
}

function errorPage(res, status, message) {
  send(res, status, 'Sign-in failed', `<p id="error">${esc(message)}</p><p><a href="/">Back to the start</a></p>`);
}

function readForm(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      body += chunk;
      if (body.length > 10_000) req.destroy(new Error('form too large'));
    });
    req.on('end', () => resolve(new URLSearchParams(body)));
    req.on('error', reject);
  });
}

// ---------------------------------------------------------------------------------------------
// The app.

async function main() {
  const server = createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(PORT, HOST, resolve);
  });
  const origin = `http://${HOST}:${server.address().port}`;
  const registration = await ensureClient(origin);
  // openid-client's defaults: a secret given as a string means client_secret_post; PKCE below.
  const config = await client.discovery(new URL(ISSUER), registration.client_id, registration.client_secret, undefined, {
    // Plain http is refused unless allowed; fine for a loopback issuer, never for a real one.
    execute: new URL(ISSUER).protocol === 'http:' ? [client.allowInsecureRequests] : [],
  });
  /** Logout states this app sent and has not seen come back (so /signed-out can say "it was you"). */
  const logouts = new Set();

  async function handle(req, res) {
    const url = new URL(req.url ?? '/', origin);
    const session = currentSession(req);

    if (req.method === 'GET' && url.pathname === '/') return homePage(res, session);

    if (req.method === 'GET' && url.pathname === '/login') {
      const s = session ?? newSession(res);
      const pending = { state: client.randomState(), nonce: client.randomNonce(), verifier: client.randomPKCECodeVerifier() };
      s.pending = pending;
      const authorize = client.buildAuthorizationUrl(config, {
        redirect_uri: registration.redirect_uri,
        scope: SCOPE,
        state: pending.state,
        nonce: pending.nonce,
        code_challenge: await client.calculatePKCECodeChallenge(pending.verifier),
        code_challenge_method: 'S256',
      });
      res.writeHead(302, { location: authorize.href }).end();
      return;
    }

    if (req.method === 'GET' && url.pathname === '/callback') {
      const pending = session?.pending;
      if (!pending) return errorPage(res, 400, 'This sign-in was not started from this browser (or the app restarted since): start again.');
      delete session.pending; // one use, success or not
      let tokens;
      try {
        // Checks state, the authorization server's iss, the code exchange (with the PKCE verifier),
        // and the ID token (signature, iss, aud, expiry, nonce).
        tokens = await client.authorizationCodeGrant(config, url, { pkceCodeVerifier: pending.verifier, expectedState: pending.state, expectedNonce: pending.nonce });
      } catch (err) {
        return errorPage(res, 400, describeError(err));
      }
      const signedIn = renewSession(session, res);
      keepTokens(signedIn, tokens);
      signedIn.refreshes = 0;
      await readAccount(config, signedIn);
      res.writeHead(303, { location: '/' }).end();
      return;
    }

    if (req.method === 'POST' && (url.pathname === '/refresh' || url.pathname === '/logout')) {
      const form = await readForm(req);
      if (!session?.tokens || !sameSecret(form.get('csrf'), session.csrf)) {
        res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' }).end('Not signed in here, or a form from somewhere else: go back to / and try again.\n');
        return;
      }
      if (url.pathname === '/refresh') {
        try {
          keepTokens(session, await client.refreshTokenGrant(config, session.tokens.refresh_token));
        } catch (err) {
          // A refresh token Gatehouse no longer honours (revoked, expired): this session is over.
          endSession(session, res);
          return errorPage(res, 400, `Refreshing failed (${describeError(err)}): sign in again.`);
        }
        session.refreshes += 1;
        await readAccount(config, session);
        res.writeHead(303, { location: '/' }).end();
        return;
      }
      // RP-initiated logout: this app's session ends now, Gatehouse's on its confirmation page, and
      // Gatehouse sends the browser back to post_logout_redirect_uri because id_token_hint proves
      // the request comes from this client.
      const state = client.randomState();
      logouts.add(state);
      if (logouts.size > 1000) logouts.delete(logouts.values().next().value); // the oldest: never came back
      const endSessionUrl = client.buildEndSessionUrl(config, { id_token_hint: session.idToken, post_logout_redirect_uri: registration.post_logout_redirect_uri, state });
      endSession(session, res);
      res.writeHead(303, { location: endSessionUrl.href }).end();
      return;
    }

    if (req.method === 'GET' && url.pathname === '/signed-out') {
      const state = url.searchParams.get('state') ?? '';
      const ours = logouts.delete(state);
      const banner = ours ? '<p class="note" id="signed-out">You are signed out of this app and of Gatehouse.</p>' : '';
      return homePage(res, currentSession(req), banner);
    }

    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found\n');
  }

  server.on('request', (req, res) => {
    handle(req, res).catch((err) => {
      process.stderr.write(`${req.method} ${new URL(req.url ?? '/', origin).pathname}: ${describeError(err)}\n`);
      if (!res.headersSent) errorPage(res, 500, describeError(err));
      else res.end();
    });
  });
  if ((await userCount()) === 0) process.stdout.write('Gatehouse has no users yet: create one (README, "Your first token in five minutes", step 2).\n');
  // The last line of the start: the app answers from now on.
  process.stdout.write(`Example app at ${origin} (Gatehouse ${ISSUER}, client ${registration.client_id}, kept in ${CLIENT_FILE})\n`);
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)).closeAllConnections());
}

main().catch((err) => {
  const reason =
    err?.cause?.code === 'ECONNREFUSED'
      ? `Gatehouse does not answer at ${ISSUER}: start it first (npm start), or set ISSUER`
      : err?.code === 'EADDRINUSE'
        ? `port ${PORT} is taken: stop what uses it, or set PORT to another`
        : describeError(err);
  process.stderr.write(`The example app could not start: ${reason}\n`);
  process.exit(1);
});
