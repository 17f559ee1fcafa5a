import { TestApp } from './start-app';
import { UserAgent, parseForm, postForm } from './http';

/** The RFC 8414 document, as the server answers it. */
export interface ServerMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  revocation_endpoint: string;
  introspection_endpoint: string;
  scopes_supported: string[];
  response_types_supported: string[];
  grant_types_supported: string[];
  token_endpoint_auth_methods_supported: string[];
  revocation_endpoint_auth_methods_supported: string[];
  introspection_endpoint_auth_methods_supported: string[];
  code_challenge_methods_supported: string[];
  [field: string]: unknown;
}

/** GET /.well-known/oauth-authorization-server: the one fixed path a black-box test knows. */
export async function discover(t: TestApp): Promise<ServerMetadata> {
  const res = await fetch(`${t.url}/.well-known/oauth-authorization-server`);
  if (res.status !== 200) throw new Error(`discovery answered ${res.status}`);
  return (await res.json()) as ServerMetadata;
}

/** A parsed JSON answer of a protocol endpoint with the headers tests assert. */
export interface JsonAnswer<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** POST a form and parse the JSON answer. */
export async function postFormJson<T = any>(url: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<JsonAnswer<T>> {
  const res = await postForm(url, fields, headers);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

/** GET a bearer-protected resource. */
export async function getWithBearer(url: string, accessToken: string): Promise<JsonAnswer> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${accessToken}` } });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

/**
 * Like oauth-flow's `authorize`, but at the authorization endpoint the metadata names: authorize →
 * login (if needed) → consent, and returns the final redirect (the Location header).
 */
export async function authorizeAt(
  agent: UserAgent,
  authorizationEndpoint: string,
  params: Record<string, string>,
  login: { username: string; password: string },
  decision: 'approve' | 'deny' = 'approve',
): Promise<URL> {
  let res = await agent.get(`${authorizationEndpoint}?${new URLSearchParams(params)}`);
  const base = new URL(authorizationEndpoint);
  const isLogin = (location: string) => new URL(location, base).origin === base.origin && new URL(location, base).pathname === '/login';
  if (res.status === 302 && isLogin(res.headers.get('location')!)) {
    const page = await agent.get(new URL(res.headers.get('location')!, base).toString());
    const form = parseForm(await page.text());
    res = await agent.postForm(new URL(form.action, base).toString(), { ...form.fields, username: login.username, password: login.password });
    if (res.status !== 302) throw new Error(`login failed: ${res.status}`);
    res = await agent.get(new URL(res.headers.get('location')!, base).toString());
  }
  if (res.status === 200) {
    const form = parseForm(await res.text());
    res = await agent.postForm(new URL(form.action, base).toString(), { ...form.fields, decision });
  }
  if (res.status !== 302) throw new Error(`expected a redirect, got ${res.status}: ${await res.text()}`);
  return new URL(res.headers.get('location')!, base);
}

/** The parameters of a redirect's fragment (RFC 6749 §4.2.2) as a plain object. */
export function fragmentParams(url: URL): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(url.hash.replace(/^#/, '')));
}

/** The parameters of a redirect's query as a plain object. */
export function queryParams(url: URL): Record<string, string> {
  return Object.fromEntries(url.searchParams);
}

/** RFC 6749 §5.1/§5.2: token-style answers are JSON and never cached. */
export function expectNoStoreJson(headers: Headers) {
  expect(headers.get('cache-control')).toBe('no-store');
  expect(headers.get('pragma')).toBe('no-cache');
  expect(headers.get('content-type')).toBe('application/json; charset=utf-8');
}

/** RFC 6749 §5.1: the fields every issued access token answer has (with the default ACCESS_TOKEN_TTL). */
export const TOKEN = { access_token: expect.stringMatching(/^[A-Za-z0-9_-]{43,}$/), token_type: 'Bearer', expires_in: 3600 };
