/**
 * The real client: the official MCP TypeScript SDK (@modelcontextprotocol/sdk) against the example
 * MCP server (examples/mcp-server) protected by Gatehouse. The SDK does everything an agent does:
 * a 401 from the MCP server → its RFC 9728 metadata → Gatehouse's RFC 8414 metadata → RFC 7591
 * registration → code + PKCE with `resource` (RFC 8707) through the sign-in and consent pages →
 * the tool call. A token for another resource is refused on both sides.
 */
import type { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { ClientsService } from '../../src/clients/clients.service';
import { DATABASES, TestApp, startApp } from '../support/start-app';
import { UserAgent, parseForm } from '../support/http';
import { adminRequest } from '../factories/admin-request';
import { userFactory } from '../factories/user.factory';
import { getProfile, obtainTokens, provision } from '../support/oauth-flow';

/* eslint-disable @typescript-eslint/no-require-imports */
const { Client } = require('@modelcontextprotocol/sdk/client/index.js') as { Client: typeof McpClient };
const { StreamableHTTPClientTransport } = require('@modelcontextprotocol/sdk/client/streamableHttp.js');
const { UnauthorizedError } = require('@modelcontextprotocol/sdk/client/auth.js');
const { startMcpServer } = require('../../examples/mcp-server/server.js');
/* eslint-enable @typescript-eslint/no-require-imports */

const REDIRECT = 'http://127.0.0.1:33419/oauth/callback';

/** What an MCP host keeps for one server: its registration, tokens and PKCE verifier, in memory. */
class InMemoryProvider implements OAuthClientProvider {
  info?: OAuthClientInformationMixed;
  saved?: OAuthTokens;
  verifier = '';
  authorizationUrl?: URL;

  get redirectUrl() {
    return REDIRECT;
  }
  get clientMetadata(): OAuthClientMetadata {
    return { client_name: 'MCP SDK test client', redirect_uris: [REDIRECT], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none' };
  }
  clientInformation() {
    return this.info;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.info = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
}

/** The browser part: the user signs in and approves on Gatehouse's own pages; answers the code. */
async function approveInBrowser(t: TestApp, url: URL, login: { username: string; password: string }): Promise<URL> {
  const agent = new UserAgent(t.url);
  let res = await agent.get(url.pathname + url.search);
  expect(res.status).toBe(302);
  const loginPage = await agent.get(res.headers.get('location')!);
  const loginForm = parseForm(await loginPage.text());
  res = await agent.postForm(loginForm.action, { ...loginForm.fields, username: login.username, password: login.password });
  res = await agent.get(res.headers.get('location')!);
  expect(res.status).toBe(200);
  const consent = await res.text();
  expect(consent).toContain('MCP SDK test client');
  const form = parseForm(consent);
  res = await agent.postForm(form.action, { ...form.fields, decision: 'approve' });
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location')!);
}

describe.each(DATABASES)('the official MCP SDK client against an MCP server protected by Gatehouse (%s)', (_name, databaseUrl) => {
  let t: TestApp;
  let mcp: { url: string; resource: string; close(): Promise<void> };

  beforeAll(async () => {
    t = await startApp(databaseUrl, { REGISTRATION: 'open' });
    // The MCP server's own confidential client, allowed to introspect every client's tokens.
    const introspector = await adminRequest(t, 'POST', '/admin/clients', { client_name: 'MCP server', grant_types: ['client_credentials'], introspection: true });
    mcp = await startMcpServer({ issuer: t.url, introspection: { clientId: introspector.body.client_id, clientSecret: introspector.body.client_secret } });
    expect((await adminRequest(t, 'POST', '/admin/resources', { identifier: mcp.resource, scopes: ['profile'] })).status).toBe(201);
  });
  afterAll(async () => {
    await mcp?.close();
    await t?.close();
  });

  it('registers itself, gets a token for the MCP server through sign-in and consent, and calls a tool', async () => {
    const { user, password } = await userFactory.create(t);
    const provider = new InMemoryProvider();
    const client = new Client({ name: 'gatehouse-test', version: '1.0.0' });

    // First connection: 401 → discovery → registration → the authorization URL the host would open.
    await expect(client.connect(new StreamableHTTPClientTransport(new URL(mcp.url), { authProvider: provider }))).rejects.toBeInstanceOf(UnauthorizedError);
    const registered = await t.app.get(ClientsService).findByClientId(provider.info!.client_id);
    expect(registered).toMatchObject({ vetted: false, metadata: { client_name: 'MCP SDK test client', token_endpoint_auth_method: 'none' } });
    const url = provider.authorizationUrl!;
    expect(`${url.origin}${url.pathname}`).toBe(`${t.url}/oauth/authorize`);
    expect(url.searchParams.get('resource')).toBe(mcp.resource);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');

    const callback = await approveInBrowser(t, url, { username: user.username, password });
    expect(callback.searchParams.get('iss')).toBe(t.url);
    const transport = new StreamableHTTPClientTransport(new URL(mcp.url), { authProvider: provider });
    await transport.finishAuth(callback.searchParams.get('code')!);
    expect(provider.saved).toMatchObject({ access_token: expect.any(String), token_type: 'Bearer', refresh_token: expect.any(String) });

    await client.connect(transport);
    const result = (await client.callTool({ name: 'whoami', arguments: {} })) as { content: Array<{ type: string; text: string }> };
    expect(JSON.parse(result.content[0].text)).toEqual({ sub: String(user.id), username: user.username, client_id: provider.info!.client_id });
    await client.close();

    // The token is bound to the MCP server: Gatehouse's own API refuses it (no token passthrough).
    expect((await getProfile(t, provider.saved!.access_token)).status).toBe(401);
  });

  it('refuses a token issued for another resource at the MCP server, with resource_metadata in the challenge', async () => {
    const p = await provision(t);
    const tokens = await obtainTokens(t, p, { resource: `${t.url}/api/profile` });
    expect((await getProfile(t, tokens.access_token)).status).toBe(200);
    const res = await fetch(mcp.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.access_token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${new URL(mcp.url).origin}/.well-known/oauth-protected-resource/mcp", error="invalid_token"`);
  });

  it('verifies a JWT access token for it locally (JWKS, aud) and serves the request', async () => {
    const p = await provision(t, { access_token_format: 'jwt' });
    const tokens = await obtainTokens(t, p, { resource: mcp.resource });
    const call = (token: string) =>
      fetch(mcp.url, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
      });
    expect((await call(tokens.access_token)).status).toBe(200);
    const forProfile = await obtainTokens(t, p, { resource: `${t.url}/api/profile` });
    expect((await call(forProfile.access_token)).status).toBe(401);
  });

  it('refuses a token without an audience restriction at the MCP server too', async () => {
    const p = await provision(t);
    const tokens = await obtainTokens(t, p);
    const res = await fetch(mcp.url, { method: 'POST', headers: { authorization: `Bearer ${tokens.access_token}`, 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(401);
  });
});
