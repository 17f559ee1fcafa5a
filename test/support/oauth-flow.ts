import { createHash, randomBytes } from 'node:crypto';
import { ClientsService } from '../../src/clients/clients.service';
import { ClientMetadataInput } from '../../src/clients/client-metadata';
import { UsersService } from '../../src/users/users.service';
import { TestApp } from './start-app';
import { UserAgent, basic, parseForm, postForm } from './http';
import { ClientInput, ClientJson, clientFactory } from '../factories/client.factory';
import { userFactory } from '../factories/user.factory';

let seq = 0;

export interface Provisioned {
  clientId: string;
  secret: string | null;
  username: string;
  password: string;
  userId: number;
  redirectUri: string;
}

/** A user and a client registered through the services (the admin API has its own suites). */
export async function provision(t: TestApp, metadata: ClientMetadataInput = {}): Promise<Provisioned> {
  const n = ++seq;
  const redirectUri = metadata.redirect_uris?.[0] ?? `http://127.0.0.1:9/callback/${n}`;
  const { client, secret } = await t.app.get(ClientsService).create({
    client_name: `Test App ${n}`,
    client_uri: 'https://app.example.com',
    scope: 'profile email',
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_method: 'client_secret_basic',
    ...metadata,
  });
  const username = `user${n}_${randomBytes(3).toString('hex')}`;
  const password = 'correct horse battery';
  const user = await t.app.get(UsersService).create({ username, password, email: `${username}@example.com` });
  return { clientId: client.clientId, secret, username, password, userId: user.id, redirectUri };
}

export function pkcePair(method: 'S256' | 'plain' = 'S256') {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
  return { verifier, challenge, method };
}

/** Query parameters; an array value is sent once per element (RFC 8707 `resource`). */
export type QueryParams = Record<string, string | string[]>;

function query(params: QueryParams): URLSearchParams {
  return new URLSearchParams(Object.entries(params).flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((v): [string, string] => [name, v])));
}

/**
 * Walks authorize → login (if needed) → consent (if shown, answered with `decision`) and returns
 * the server's last answer: a redirect, or the form_post page.
 */
export async function authorizeResponse(
  agent: UserAgent,
  params: QueryParams,
  login: { username: string; password: string },
  decision: 'approve' | 'deny' = 'approve',
): Promise<Response> {
  let res = await agent.get(`/oauth/authorize?${query(params)}`);
  if (res.status === 302 && res.headers.get('location')!.startsWith('/login')) {
    const page = await agent.get(res.headers.get('location')!);
    const form = parseForm(await page.text());
    res = await agent.postForm(form.action, { ...form.fields, username: login.username, password: login.password });
    if (res.status !== 302) throw new Error(`login failed: ${res.status}`);
    res = await agent.get(res.headers.get('location')!);
  }
  if (res.status === 200 && !isFormPost(res)) {
    const form = parseForm(await res.text());
    res = await agent.postForm(form.action, { ...form.fields, decision });
  }
  return res;
}

/** Walks authorize → login (if needed) → consent and returns the final redirect (the Location header). */
export async function authorize(
  agent: UserAgent,
  params: QueryParams,
  login: { username: string; password: string },
  decision: 'approve' | 'deny' = 'approve',
): Promise<URL> {
  const res = await authorizeResponse(agent, params, login, decision);
  if (res.status !== 302) throw new Error(`expected a redirect, got ${res.status}: ${await res.text()}`);
  return new URL(res.headers.get('location')!);
}

/** Whether this answer is a form_post page (its CSP allows its one script by hash), not a page of the server's own. */
function isFormPost(res: Response): boolean {
  return /(^|;\s*)script-src 'sha256-/.test(res.headers.get('content-security-policy') ?? '');
}

/** A form_post answer (Form Post Response Mode §2) as its form's target and fields; throws for any other answer. */
export async function formPostResponse(res: Response): Promise<{ action: string; fields: Record<string, string>; html: string }> {
  const html = await res.text();
  if (res.status !== 200 || !isFormPost(res)) throw new Error(`expected a form_post page, got ${res.status}: ${html.slice(0, 300)}`);
  const form = parseForm(html);
  return { action: form.action, fields: form.fields, html };
}

/** A user and a client registered through the admin API (test/factories), with the client's JSON. */
export interface AdminProvisioned extends Provisioned {
  client: ClientJson;
  authMethod: string;
}

/**
 * Like `provision`, but through POST /admin/clients and POST /admin/users, as an operator would.
 * Client defaults are clientFactory's (confidential Basic, code + refresh, scope "profile email").
 */
export async function provisionThroughAdmin(t: TestApp, overrides: Partial<ClientInput> = {}): Promise<AdminProvisioned> {
  const { client, secret } = await clientFactory.create(t, overrides);
  const { user, password } = await userFactory.create(t);
  return {
    clientId: client.client_id,
    secret,
    username: user.username,
    password,
    userId: user.id,
    redirectUri: client.redirect_uris[0],
    client,
    authMethod: client.token_endpoint_auth_method,
  };
}

/** RFC 8414 metadata: where black-box tests find the endpoints. */
export async function discover(t: TestApp): Promise<Record<string, any>> {
  const res = await fetch(`${t.url}/.well-known/oauth-authorization-server`);
  if (res.status !== 200) throw new Error(`metadata: ${res.status}`);
  return (await res.json()) as Record<string, any>;
}

/** Signs in through the login page's form; throws unless the server answers the redirect. */
export async function signIn(agent: UserAgent, login: { username: string; password: string }): Promise<void> {
  const form = parseForm(await (await agent.get('/login')).text());
  const res = await agent.postForm(form.action, { ...form.fields, username: login.username, password: login.password });
  if (res.status !== 302) throw new Error(`login failed: ${res.status}`);
}

/**
 * The request fields and headers that authenticate this client at the token endpoint by its
 * registered method: Basic for client_secret_basic, body for client_secret_post, client_id for none.
 */
export function clientAuthentication(p: Provisioned & { authMethod?: string }): { fields: Record<string, string>; headers: Record<string, string> } {
  const method = p.authMethod ?? 'client_secret_basic';
  if (method === 'none') return { fields: { client_id: p.clientId }, headers: {} };
  if (method === 'client_secret_post') return { fields: { client_id: p.clientId, client_secret: p.secret! }, headers: {} };
  return { fields: {}, headers: { authorization: basic(p.clientId, p.secret!) } };
}

/** POST to the token endpoint, authenticated as this client; answers status, headers and the JSON body. */
export async function tokenRequest(
  t: TestApp,
  p: Provisioned & { authMethod?: string },
  fields: Record<string, string>,
): Promise<{ status: number; headers: Headers; body: any }> {
  const auth = clientAuthentication(p);
  const res = await postForm(`${t.url}/oauth/token`, { ...fields, ...auth.fields }, auth.headers);
  return { status: res.status, headers: res.headers, body: await res.json() };
}

/**
 * Authorize (with an S256 PKCE pair unless `params` sets its own challenge), approve, and answer
 * the code with the verifier. `params` overrides the authorization request's parameters.
 */
export async function obtainCode(
  t: TestApp,
  p: Provisioned,
  params: QueryParams = {},
  agent = new UserAgent(t.url),
): Promise<{ code: string; verifier: string; callback: URL; agent: UserAgent }> {
  const pkce = pkcePair();
  const callback = await authorize(
    agent,
    { response_type: 'code', client_id: p.clientId, redirect_uri: p.redirectUri, state: 'st', code_challenge: pkce.challenge, code_challenge_method: 'S256', ...params },
    p,
  );
  const code = callback.searchParams.get('code');
  if (!code) throw new Error(`no code in ${callback}`);
  return { code, verifier: pkce.verifier, callback, agent };
}

/** The whole code flow with PKCE: the token endpoint's 200 JSON. */
export async function obtainTokens(t: TestApp, p: Provisioned & { authMethod?: string }, params: QueryParams = {}): Promise<any> {
  const { code, verifier } = await obtainCode(t, p, params);
  const res = await tokenRequest(t, p, { grant_type: 'authorization_code', code, redirect_uri: p.redirectUri, code_verifier: verifier });
  if (res.status !== 200) throw new Error(`token: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** GET /api/profile with this access token in the Authorization header. */
export async function getProfile(t: TestApp, accessToken: string): Promise<{ status: number; headers: Headers; body: any }> {
  const res = await fetch(`${t.url}/api/profile`, { headers: { authorization: `Bearer ${accessToken}` } });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}
