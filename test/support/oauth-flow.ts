import { createHash, randomBytes } from 'node:crypto';
import { ClientsService } from '../../src/clients/clients.service';
import { ClientMetadataInput } from '../../src/clients/client-metadata';
import { UsersService } from '../../src/users/users.service';
import { TestApp } from './start-app';
import { UserAgent, parseForm } from './http';

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

/** Walks authorize → login (if needed) → consent and returns the final redirect (the Location header). */
export async function authorize(
  agent: UserAgent,
  params: Record<string, string>,
  login: { username: string; password: string },
  decision: 'approve' | 'deny' = 'approve',
): Promise<URL> {
  let res = await agent.get(`/oauth/authorize?${new URLSearchParams(params)}`);
  if (res.status === 302 && res.headers.get('location')!.startsWith('/login')) {
    const page = await agent.get(res.headers.get('location')!);
    const form = parseForm(await page.text());
    res = await agent.postForm(form.action, { ...form.fields, username: login.username, password: login.password });
    if (res.status !== 302) throw new Error(`login failed: ${res.status}`);
    res = await agent.get(res.headers.get('location')!);
  }
  if (res.status === 200) {
    const form = parseForm(await res.text());
    res = await agent.postForm(form.action, { ...form.fields, decision });
  }
  if (res.status !== 302) throw new Error(`expected a redirect, got ${res.status}: ${await res.text()}`);
  return new URL(res.headers.get('location')!);
}
