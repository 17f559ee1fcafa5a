/**
 * The custom load loops (run inside the load worker): refresh-token rotation chains and whole
 * authorization-code + PKCE flows through the HTML sign-in and consent pages.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Agent, IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { Recorder, RunResult } from './stats';

export interface Response {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One HTTP/1.1 request over a keep-alive agent (loopback only). */
export function send(agent: Agent, method: string, url: URL, headers: Record<string, string>, body?: string): Promise<Response> {
  if (url.hostname !== '127.0.0.1') return Promise.reject(new Error(`refusing non-loopback URL ${url.href}`));
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { agent, method, headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) }, timeout: 30_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout after 30 s')));
    req.on('error', reject);
    req.end(body);
  });
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

export function basicAuth(clientId: string, secret: string): string {
  // RFC 6749 §2.3.1: form-urlencode both parts before base64.
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(clientId)}:${enc(secret)}`).toString('base64')}`;
}

export function describe(method: string, url: URL, res: Response): string {
  return `${method} ${url.pathname} → ${res.status} ${res.body.replace(/\s+/g, ' ').slice(0, 120)}`;
}

/** Runs `body` once per worker until the deadline; each worker finishes its current iteration. */
export async function loop(workers: number, durationS: number, body: (i: number) => Promise<void>): Promise<number> {
  const start = performance.now();
  const deadline = start + durationS * 1000;
  await Promise.all(
    Array.from({ length: workers }, async (_, i) => {
      while (performance.now() < deadline) await body(i);
    }),
  );
  return performance.now() - start;
}

export interface RefreshJob {
  origin: string;
  authorization: string;
  /** One refresh token per chain (per connection). */
  chains: string[];
  duration: number;
}

/** N independent rotation chains: each request presents the refresh token the previous response returned. */
export async function refreshChains(job: RefreshJob): Promise<RunResult & { chains: string[] }> {
  const agent = new Agent({ keepAlive: true, maxSockets: job.chains.length });
  const url = new URL('/oauth/token', job.origin);
  const rec = new Recorder();
  const chains = [...job.chains];
  const elapsed = await loop(chains.length, job.duration, async (i) => {
    const t0 = performance.now();
    try {
      const body = `grant_type=refresh_token&refresh_token=${encodeURIComponent(chains[i])}`;
      const res = await send(agent, 'POST', url, { ...FORM, authorization: job.authorization }, body);
      const ms = performance.now() - t0;
      if (res.status < 200 || res.status > 299) return rec.failed(ms, describe('POST', url, res), res.status);
      const next = (JSON.parse(res.body) as { refresh_token?: string }).refresh_token;
      if (!next) return rec.failed(ms, 'POST /oauth/token → 200 without a refresh_token');
      chains[i] = next;
      rec.ok(ms, res.status);
    } catch (err) {
      rec.failed(performance.now() - t0, `POST /oauth/token: ${(err as Error).message}`);
    }
  });
  agent.destroy();
  return { ...rec.result(elapsed), chains };
}

// --- HTML forms -------------------------------------------------------------------------------

const decodeEntities = (s: string) =>
  s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, e: string) => {
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (e[0] !== '#') return named[e.toLowerCase()];
    return String.fromCodePoint(e[1].toLowerCase() === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
  });

function attributes(tag: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  const re = /([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+)))?/g;
  for (const m of tag.replace(/^<\w+/, '').matchAll(re)) attrs[m[1].toLowerCase()] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
  return attrs;
}

export interface HtmlForm {
  action: string;
  /** Successful controls other than submit buttons. */
  fields: [string, string][];
  /** Submit buttons by name: their values. */
  buttons: Record<string, string[]>;
  names: Set<string>;
}

/** The first `<form method="post">` of a page, read generically (inputs, buttons). */
export function parsePostForm(html: string): HtmlForm | null {
  for (const m of html.matchAll(/<form\b[^>]*>([\s\S]*?)<\/form>/gi)) {
    const formAttrs = attributes(m[0].slice(0, m[0].indexOf('>') + 1));
    if ((formAttrs.method ?? 'get').toLowerCase() !== 'post') continue;
    const form: HtmlForm = { action: formAttrs.action ?? '', fields: [], buttons: {}, names: new Set() };
    for (const t of m[1].matchAll(/<(input|button)\b[^>]*>/gi)) {
      const a = attributes(t[0]);
      if (!a.name) continue;
      form.names.add(a.name);
      const type = (a.type ?? (t[1].toLowerCase() === 'button' ? 'submit' : 'text')).toLowerCase();
      if (type === 'submit' || type === 'image') (form.buttons[a.name] ??= []).push(a.value ?? '');
      else if ((type !== 'checkbox' && type !== 'radio') || 'checked' in a) form.fields.push([a.name, a.value ?? '']);
    }
    return form;
  }
  return null;
}

class CookieJar {
  private readonly cookies = new Map<string, string>();
  store(setCookie: string[] | undefined): void {
    for (const line of setCookie ?? []) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age\s*=\s*(0|-\d+)\s*$/i.test(a));
      if (!value || expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

export interface AuthCodeJob {
  origin: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  username: string;
  password: string;
  scope: string;
  workers: number;
  duration: number;
}

class FlowError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
  }
}

/** One whole flow: authorize → sign in → consent → redirect with code → token (PKCE) → profile. */
async function oneFlow(agent: Agent, job: AuthCodeJob): Promise<void> {
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(12).toString('base64url');
  const jar = new CookieJar();
  let url = new URL('/oauth/authorize', job.origin);
  url.search = new URLSearchParams({
    response_type: 'code', client_id: job.clientId, redirect_uri: job.redirectUri, scope: job.scope, state,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
  }).toString();
  let method = 'GET';
  let body: string | undefined;
  let code: string | null = null;
  const submitted = { login: 0, consent: 0 };
  for (let hop = 0; hop < 12 && code === null; hop++) {
    const headers: Record<string, string> = body === undefined ? {} : { ...FORM };
    if (jar.header()) headers.cookie = jar.header();
    const res = await send(agent, method, url, headers, body);
    jar.store(res.headers['set-cookie']);
    if (res.status >= 300 && res.status < 400 && res.headers.location) {
      const next = new URL(res.headers.location, url);
      if (next.href.startsWith(job.redirectUri)) {
        if (next.searchParams.get('state') !== state) throw new FlowError(`redirect to client with state ${next.searchParams.get('state')}`);
        code = next.searchParams.get('code');
        if (!code) throw new FlowError(`redirect to client without code: ${next.search}`, res.status);
        break;
      }
      [url, method, body] = [next, 'GET', undefined];
      continue;
    }
    if (res.status !== 200 && res.status !== 401) throw new FlowError(describe(method, url, res), res.status);
    const form = parsePostForm(res.body);
    if (!form) throw new FlowError(`${method} ${url.pathname} → ${res.status} without a <form method="post">`, res.status);
    const params = new URLSearchParams(form.fields.filter(([n]) => n !== 'username' && n !== 'password'));
    if (form.names.has('password')) {
      if (submitted.login++) throw new FlowError(`sign-in form shown again after signing in (${res.status})`, res.status);
      params.set('username', job.username);
      params.set('password', job.password);
      for (const [name, values] of Object.entries(form.buttons)) if (values.length === 1) params.set(name, values[0]);
    } else if (form.buttons.decision?.includes('approve')) {
      if (submitted.consent++) throw new FlowError('consent form shown again after approving', res.status);
      params.set('decision', 'approve');
    } else {
      throw new FlowError(`${method} ${url.pathname} → ${res.status}: a form that is neither sign-in nor consent`, res.status);
    }
    [url, method, body] = [new URL(form.action || url.href, url), 'POST', params.toString()];
  }
  if (code === null) throw new FlowError('no redirect to the client after 12 hops');

  const tokenUrl = new URL('/oauth/token', job.origin);
  const tokenBody = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: job.redirectUri, code_verifier: verifier });
  const tok = await send(agent, 'POST', tokenUrl, { ...FORM, authorization: basicAuth(job.clientId, job.clientSecret) }, tokenBody.toString());
  if (tok.status !== 200) throw new FlowError(describe('POST', tokenUrl, tok), tok.status);
  const accessToken = (JSON.parse(tok.body) as { access_token?: string }).access_token;
  if (!accessToken) throw new FlowError('token response without access_token');
  const profileUrl = new URL('/api/profile', job.origin);
  const prof = await send(agent, 'GET', profileUrl, { authorization: `Bearer ${accessToken}` });
  if (prof.status !== 200) throw new FlowError(describe('GET', profileUrl, prof), prof.status);
}

/** Several workers each running whole flows back to back; the rate is flows per second. */
export async function authorizationCodeFlows(job: AuthCodeJob): Promise<RunResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: job.workers });
  const rec = new Recorder();
  const elapsed = await loop(job.workers, job.duration, async () => {
    const t0 = performance.now();
    try {
      await oneFlow(agent, job);
      rec.ok(performance.now() - t0);
    } catch (err) {
      rec.failed(performance.now() - t0, (err as Error).message, (err as FlowError).status);
    }
  });
  agent.destroy();
  return rec.result(elapsed);
}
