/** What is measured: provisioning through the admin API, and each scenario's request shape. */
import { createPrivateKey, generateKeyPairSync, JsonWebKey, randomBytes, randomUUID } from 'node:crypto';
import { basicAuth } from './flows';
import { Job } from './load-worker';
import { signEs256 } from './signed';

export interface Provisioned {
  service: { id: string; secret: string };
  web: { id: string; secret: string; redirectUri: string };
  user: { username: string; password: string };
  /** A user access token with scope profile (password grant). */
  accessToken: string;
  /** One refresh token per connection, the heads of the rotation chains. */
  chains: string[];
  /** The server's names for its endpoints (the aud of an assertion, the htu of a proof). */
  tokenEndpoint: string;
  profileUrl: string;
  /** A private_key_jwt client (RFC 7523) with its ES256 key. */
  jwtClient: { id: string; kid: string; privateJwk: JsonWebKey };
  /** A user access token bound to an ES256 key (RFC 9449, password grant with a proof). */
  dpop: { accessToken: string; privateJwk: JsonWebKey; publicJwk: JsonWebKey };
  /** Pending device codes of a public device client, and the interval they were issued with. */
  device: { clientId: string; codes: string[]; interval: number };
  /** What did not work while provisioning (the scenarios then run with placeholders and show INVALID). */
  problems: string[];
}

/** Which floor a scenario's ratio is taken against, per server database; `argon2` is the verify bound. */
export interface Target {
  floor: 'fastify' | 'db' | 'argon2';
  min: number;
}

export interface Scenario {
  name: string;
  title: string;
  /** Request shape on the floors; null: no such floor (the password grant is measured against the argon2id bound). */
  fastifyShape: string | null;
  dbShape: string | null;
  /** Compare with the argon2id verify bound. */
  argon2Bound: boolean;
  targets: { sqlite?: Target; mysql?: Target };
  /** The load job against `origin`, the server or a floor. */
  job(origin: string, p: Provisioned, duration: number, cfg: { connections: number; flowWorkers: number; threadpoolSize: number }): Job;
}

const FORM = 'application/x-www-form-urlencoded';
const placeholder = () => randomBytes(32).toString('base64url');

function es256Key(): { privateJwk: JsonWebKey; publicJwk: JsonWebKey } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateJwk: privateKey.export({ format: 'jwk' }), publicJwk: publicKey.export({ format: 'jwk' }) };
}

export const SCENARIOS: Scenario[] = [
  {
    name: 'client_credentials',
    title: 'client_credentials token (client_secret_basic)',
    fastifyShape: 'token',
    dbShape: 'token',
    argon2Bound: false,
    targets: { sqlite: { floor: 'fastify', min: 0.25 }, mysql: { floor: 'db', min: 0.8 } },
    job: (origin, p, duration, cfg) => ({
      kind: 'http', url: `${origin}/oauth/token`, method: 'POST', duration, connections: cfg.connections,
      headers: { 'content-type': FORM, authorization: basicAuth(p.service.id, p.service.secret) },
      body: 'grant_type=client_credentials&scope=profile',
    }),
  },
  {
    // RFC 7523: each request carries a new assertion (own jti, exp 60 s), signed by the load generator.
    name: 'client_credentials_jwt',
    title: 'client_credentials token (private_key_jwt, a new assertion per request)',
    fastifyShape: null,
    dbShape: null,
    argon2Bound: false,
    targets: {},
    job: (origin, p, duration, cfg) => ({
      kind: 'assertion', origin, duration, connections: cfg.connections, clientId: p.jwtClient.id,
      audience: p.tokenEndpoint, privateJwk: p.jwtClient.privateJwk, kid: p.jwtClient.kid, scope: 'profile',
    }),
  },
  {
    name: 'profile',
    title: 'GET /api/profile (bearer)',
    fastifyShape: 'profile',
    dbShape: 'profile',
    argon2Bound: false,
    targets: { sqlite: { floor: 'fastify', min: 0.45 }, mysql: { floor: 'db', min: 0.9 } },
    job: (origin, p, duration, cfg) => ({
      kind: 'http', url: `${origin}/api/profile`, method: 'GET', duration, connections: cfg.connections,
      headers: { authorization: `Bearer ${p.accessToken}` },
    }),
  },
  {
    // RFC 9449 §7: each request carries a new proof (jti, iat, ath), signed by the load generator.
    name: 'profile_dpop',
    title: 'GET /api/profile (DPoP-bound token, a new proof per request)',
    fastifyShape: null,
    dbShape: null,
    argon2Bound: false,
    targets: {},
    job: (origin, p, duration, cfg) => ({
      kind: 'dpop', origin, duration, connections: cfg.connections, accessToken: p.dpop.accessToken,
      privateJwk: p.dpop.privateJwk, publicJwk: p.dpop.publicJwk, htu: p.profileUrl,
    }),
  },
  {
    name: 'introspection',
    title: 'introspection of a valid token',
    fastifyShape: 'introspection',
    dbShape: 'introspection',
    argon2Bound: false,
    targets: { sqlite: { floor: 'fastify', min: 0.35 }, mysql: { floor: 'db', min: 0.8 } },
    job: (origin, p, duration, cfg) => ({
      kind: 'http', url: `${origin}/oauth/introspect`, method: 'POST', duration, connections: cfg.connections,
      headers: { 'content-type': FORM, authorization: basicAuth(p.service.id, p.service.secret) },
      body: `token=${encodeURIComponent(p.accessToken)}&token_type_hint=access_token`,
    }),
  },
  {
    // RFC 8628 §3.4: polls of pending device codes, each code no sooner than its interval: the answer
    // is authorization_pending (slow_down, if the server's clock finds a poll early, is counted apart).
    name: 'device_poll',
    title: 'device-code polling (authorization_pending)',
    fastifyShape: null,
    dbShape: null,
    argon2Bound: false,
    targets: {},
    job: (origin, p, duration, cfg) => ({
      kind: 'device', origin, duration, connections: cfg.connections, clientId: p.device.clientId,
      deviceCodes: p.device.codes.length ? p.device.codes : [placeholder()], interval: p.device.interval,
    }),
  },
  {
    name: 'password',
    title: 'password grant (argon2id-bound)',
    fastifyShape: null,
    dbShape: null,
    argon2Bound: true,
    targets: { sqlite: { floor: 'argon2', min: 0.9 }, mysql: { floor: 'argon2', min: 0.9 } },
    // More connections than twice the argon2 thread pool only queue (and inflate latency): the pool stays full.
    job: (origin, p, duration, cfg) => ({
      kind: 'http', url: `${origin}/oauth/token`, method: 'POST', duration, connections: Math.min(cfg.connections, 2 * cfg.threadpoolSize),
      headers: { 'content-type': FORM, authorization: basicAuth(p.service.id, p.service.secret) },
      body: new URLSearchParams({ grant_type: 'password', username: p.user.username, password: p.user.password, scope: 'profile' }).toString(),
    }),
  },
  {
    name: 'refresh',
    title: 'refresh-token rotation (1 chain per connection)',
    fastifyShape: 'refresh',
    dbShape: 'refresh',
    argon2Bound: false,
    targets: {},
    job: (origin, p, duration, cfg) => ({
      kind: 'refresh', origin, duration, authorization: basicAuth(p.service.id, p.service.secret),
      chains: p.chains.length ? p.chains : Array.from({ length: cfg.connections }, placeholder),
    }),
  },
  {
    // What one open registration costs: a client row, a registration row, an audit row. The per-IP
    // limit is raised for the bench so that the row measures the work, not the 429.
    name: 'registration',
    title: 'open dynamic client registration (RFC 7591)',
    fastifyShape: null,
    dbShape: null,
    argon2Bound: false,
    targets: {},
    job: (origin, _p, duration, cfg) => ({
      kind: 'http', url: `${origin}/oauth/register`, method: 'POST', duration, connections: cfg.connections,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'Bench agent', redirect_uris: ['http://127.0.0.1:9/cb'], grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'none' }),
    }),
  },
  {
    name: 'authorization_code',
    title: 'authorization-code + PKCE flow (flows/s)',
    fastifyShape: 'flow',
    dbShape: null,
    argon2Bound: true,
    targets: {},
    job: (origin, p, duration, cfg) => ({
      kind: 'authcode', origin, duration, workers: cfg.flowWorkers, scope: 'profile',
      clientId: p.web.id, clientSecret: p.web.secret, redirectUri: p.web.redirectUri,
      username: p.user.username, password: p.user.password,
    }),
  },
];

// --- provisioning -----------------------------------------------------------------------------

async function call(origin: string, path: string, init: RequestInit): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${origin}${path}`, { ...init, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { body: text.slice(0, 200) };
  }
  return { status: res.status, json };
}

function admin(origin: string, key: string, path: string, body: unknown) {
  return call(origin, path, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

const brief = (r: { status: number; json: unknown }) => `${r.status} ${JSON.stringify(r.json).slice(0, 160)}`;

async function passwordGrant(origin: string, p: Provisioned): Promise<{ access_token?: string; refresh_token?: string; problem?: string }> {
  const r = await call(origin, '/oauth/token', {
    method: 'POST',
    headers: { 'content-type': FORM, authorization: basicAuth(p.service.id, p.service.secret) },
    body: new URLSearchParams({ grant_type: 'password', username: p.user.username, password: p.user.password, scope: 'profile' }),
  });
  if (r.status !== 200) return { problem: `password grant: POST /oauth/token → ${brief(r)}` };
  return r.json as { access_token?: string; refresh_token?: string };
}

/** What the chosen scenarios need beyond the user and the two clients. */
export interface Needs {
  /** Refresh-token rotation chains (one per connection). */
  chains: boolean;
  jwtClient: boolean;
  dpop: boolean;
  /** How many pending device codes to issue (0: none). */
  deviceCodes: number;
}

/** Creates the user and clients through the admin API and gets the tokens the scenarios need. */
export async function provision(origin: string, adminKey: string, chainCount: number, needs: Needs): Promise<Provisioned> {
  const jwtKey = es256Key();
  const dpopKey = es256Key();
  const p: Provisioned = {
    service: { id: 'bench-missing-client', secret: placeholder() },
    web: { id: 'bench-missing-client', secret: placeholder(), redirectUri: 'http://127.0.0.1:9/bench/callback' },
    user: { username: 'bench-user', password: `bench-${placeholder()}` },
    accessToken: placeholder(),
    chains: [],
    tokenEndpoint: `${origin}/oauth/token`,
    profileUrl: `${origin}/api/profile`,
    jwtClient: { id: 'bench-missing-client', kid: 'bench-1', privateJwk: jwtKey.privateJwk },
    dpop: { accessToken: placeholder(), ...dpopKey },
    device: { clientId: 'bench-missing-client', codes: [], interval: 5 },
    problems: [],
  };
  const metadata = await call(origin, '/.well-known/oauth-authorization-server', { method: 'GET' });
  if (metadata.status === 200 && typeof metadata.json.issuer === 'string') {
    p.tokenEndpoint = String(metadata.json.token_endpoint ?? `${metadata.json.issuer}/oauth/token`);
    p.profileUrl = `${metadata.json.issuer}/api/profile`;
  } else p.problems.push(`GET /.well-known/oauth-authorization-server → ${brief(metadata)}`);
  const user = await admin(origin, adminKey, '/admin/users', { ...p.user, email: 'bench@example.com' });
  if (user.status !== 201) p.problems.push(`POST /admin/users → ${brief(user)}`);

  const client = async (meta: Record<string, unknown>) => {
    let r = await admin(origin, adminKey, '/admin/clients', meta);
    if (r.status === 400 && Array.isArray(meta.response_types) && !meta.response_types.length) {
      const { response_types: _omit, ...rest } = meta;
      r = await admin(origin, adminKey, '/admin/clients', rest);
    }
    if (r.status !== 201 || typeof r.json.client_id !== 'string') {
      p.problems.push(`POST /admin/clients (${String(meta.client_name)}) → ${brief(r)}`);
      return null;
    }
    return { id: r.json.client_id, secret: String(r.json.client_secret ?? '') };
  };
  const service = await client({
    client_name: 'Bench service', client_uri: 'https://bench.example.com', scope: 'profile', redirect_uris: [],
    grant_types: ['client_credentials', 'password', 'refresh_token'], response_types: [],
    token_endpoint_auth_method: 'client_secret_basic', introspection: true,
  });
  if (service) p.service = service;
  const web = await client({
    client_name: 'Bench web app', client_uri: 'https://bench.example.com', scope: 'profile', redirect_uris: [p.web.redirectUri],
    grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic', skip_consent: false,
  });
  if (web) p.web = { ...p.web, ...web };

  if (needs.jwtClient) {
    const jwt = await client({
      client_name: 'Bench key client', client_uri: 'https://bench.example.com', scope: 'profile', redirect_uris: [],
      grant_types: ['client_credentials'], response_types: [], token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [{ ...es256Public(jwtKey.privateJwk), kid: p.jwtClient.kid, alg: 'ES256', use: 'sig' }] },
    });
    if (jwt) p.jwtClient.id = jwt.id;
  }
  if (needs.deviceCodes > 0) {
    const device = await client({
      client_name: 'Bench device', client_uri: 'https://bench.example.com', scope: 'profile', redirect_uris: [],
      grant_types: ['urn:ietf:params:oauth:grant-type:device_code'], response_types: [], token_endpoint_auth_method: 'none',
    });
    if (device) {
      p.device.clientId = device.id;
      await issueDeviceCodes(origin, p, needs.deviceCodes);
    }
  }

  const first = await passwordGrant(origin, p);
  if (first.problem) p.problems.push(first.problem);
  else if (first.access_token) p.accessToken = first.access_token;
  if (needs.dpop && !first.problem) {
    // The same password grant with a DPoP proof (RFC 9449 §5): the access token is bound to dpopKey.
    const key = createPrivateKey({ key: dpopKey.privateJwk, format: 'jwk' });
    const now = Math.floor(Date.now() / 1000);
    const proof = signEs256(key, { typ: 'dpop+jwt', jwk: dpopKey.publicJwk }, { htm: 'POST', htu: p.tokenEndpoint, jti: randomUUID(), iat: now });
    const r = await call(origin, '/oauth/token', {
      method: 'POST',
      headers: { 'content-type': FORM, authorization: basicAuth(p.service.id, p.service.secret), dpop: proof },
      body: new URLSearchParams({ grant_type: 'password', username: p.user.username, password: p.user.password, scope: 'profile' }),
    });
    if (r.status === 200 && r.json.token_type === 'DPoP' && typeof r.json.access_token === 'string') p.dpop.accessToken = r.json.access_token;
    else p.problems.push(`password grant with a DPoP proof: POST /oauth/token → ${brief(r)}`);
  }
  if (needs.chains && !first.problem) {
    // One independent rotation chain per connection, 4 grants at a time (each costs an argon2id verify).
    const heads: string[] = [];
    let failed = false;
    for (let i = 0; i < chainCount && !failed; i += 4) {
      const batch = await Promise.all(Array.from({ length: Math.min(4, chainCount - i) }, () => passwordGrant(origin, p)));
      for (const g of batch) {
        if (g.refresh_token) heads.push(g.refresh_token);
        else {
          p.problems.push(g.problem ?? 'password grant returned no refresh_token');
          failed = true;
          break;
        }
      }
    }
    if (heads.length === chainCount) p.chains = heads;
  }
  return p;
}

const es256Public = (jwk: JsonWebKey): JsonWebKey => ({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y });

/** `count` pending device codes (RFC 8628 §3.1), 16 requests at a time. */
async function issueDeviceCodes(origin: string, p: Provisioned, count: number): Promise<void> {
  for (let i = 0; i < count; i += 16) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(16, count - i) }, () =>
        call(origin, '/oauth/device_authorization', {
          method: 'POST',
          headers: { 'content-type': FORM },
          body: new URLSearchParams({ client_id: p.device.clientId, scope: 'profile' }),
        }),
      ),
    );
    for (const r of batch) {
      if (r.status === 200 && typeof r.json.device_code === 'string') {
        p.device.codes.push(r.json.device_code);
        p.device.interval = Number(r.json.interval ?? p.device.interval);
      } else {
        p.problems.push(`POST /oauth/device_authorization → ${brief(r)}`);
        return;
      }
    }
  }
}
