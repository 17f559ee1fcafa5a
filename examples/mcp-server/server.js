/**
 * A Model Context Protocol server protected by Gatehouse: the example behind docs/registration.md,
 * "Protecting an MCP server with Gatehouse", and the server the test suite runs the official MCP
 * client against. Plain Node.js (>= 20) and the official SDK (@modelcontextprotocol/sdk).
 *
 *   GATEHOUSE_ISSUER=https://auth.example.com MCP_PUBLIC_URL=https://mcp.example.com \
 *   INTROSPECTION_CLIENT_ID=… INTROSPECTION_CLIENT_SECRET=… node examples/mcp-server/server.js
 *
 * Every request to /mcp must carry a Gatehouse access token whose audience is this server
 * ({MCP_PUBLIC_URL}/mcp, registered in Gatehouse as a resource server). A JWT access token is
 * verified locally against Gatehouse's JWKS (signature, issuer, aud, expiry); an opaque one is
 * introspected (RFC 7662) with a client registered with "introspection": true, and its `aud`
 * checked. Without a good token the answer is 401 with `resource_metadata` (RFC 9728), which is
 * how an MCP client finds Gatehouse, registers itself and asks for a token for this server.
 */
'use strict';
const http = require('node:http');
const { McpServer } = require('@modelcontextprotocol/sdk/server/mcp.js');
const { StreamableHTTPServerTransport } = require('@modelcontextprotocol/sdk/server/streamableHttp.js');

const MCP_PATH = '/mcp';
const METADATA_PATH = `/.well-known/oauth-protected-resource${MCP_PATH}`;

/** `aud` as JWTs and introspection carry it: a string or an array. */
function audienceIncludes(aud, resource) {
  return Array.isArray(aud) ? aud.includes(resource) : aud === resource;
}

/**
 * A token checker for `resource`: resolves { subject, username, clientId, scopes } or null.
 * @param {{ issuer: string, resource: string, introspection?: { clientId: string, clientSecret: string } }} options
 */
function tokenVerifier({ issuer, resource, introspection }) {
  let jwks;
  const metadata = fetch(`${issuer}/.well-known/oauth-authorization-server`).then((r) => r.json());
  return async (token) => {
    if (/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) {
      const { jwtVerify, createRemoteJWKSet } = await import('jose');
      jwks ??= createRemoteJWKSet(new URL((await metadata).jwks_uri));
      try {
        // RFC 9068 §4: typ at+jwt, our issuer, and this server as audience.
        const { payload } = await jwtVerify(token, jwks, { typ: 'at+jwt', issuer, audience: resource });
        return { subject: payload.sub, username: undefined, clientId: payload.client_id, scopes: String(payload.scope ?? '').split(' ').filter(Boolean) };
      } catch {
        return null;
      }
    }
    if (!introspection) return null;
    const res = await fetch((await metadata).introspection_endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(introspection.clientId)}:${encodeURIComponent(introspection.clientSecret)}`).toString('base64')}`,
      },
      body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
    });
    if (res.status !== 200) return null;
    const info = await res.json();
    // RFC 8707: a token meant for another resource is not good here, however valid (no token passthrough).
    if (!info.active || !audienceIncludes(info.aud, resource)) return null;
    return { subject: info.sub, username: info.username, clientId: info.client_id, scopes: String(info.scope ?? '').split(' ').filter(Boolean) };
  };
}

/** The MCP server itself: one tool that tells who the token belongs to. */
function mcpServer(caller) {
  const server = new McpServer({ name: 'gatehouse-example', version: '1.0.0' });
  server.registerTool('whoami', { description: 'The user this session acts for' }, async () => ({
    content: [{ type: 'text', text: JSON.stringify({ sub: caller.subject, username: caller.username, client_id: caller.clientId }) }],
  }));
  return server;
}

function readJson(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > 1_000_000) req.destroy(new Error('body too large'));
      else chunks.push(c);
    });
    req.on('end', () => {
      try {
        resolve(chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined);
      } catch (err) {
        reject(err);
      }
    });
    req.on('error', reject);
  });
}

/**
 * Starts the server. `publicUrl` is its origin as clients see it; the resource is `{publicUrl}/mcp`.
 * Resolves { url, resource, close }.
 * @param {{ issuer: string, publicUrl?: string, port?: number, host?: string, scopes?: string[], introspection?: { clientId: string, clientSecret: string } }} options
 */
async function startMcpServer(options) {
  const host = options.host ?? '127.0.0.1';
  const server = http.createServer();
  await new Promise((resolve) => server.listen(options.port ?? 0, host, resolve));
  const origin = options.publicUrl ?? `http://${host}:${server.address().port}`;
  const resource = `${origin}${MCP_PATH}`;
  const verify = tokenVerifier({ issuer: options.issuer, resource, introspection: options.introspection });
  const challenge = `Bearer resource_metadata="${origin}${METADATA_PATH}"`;

  server.on('request', async (req, res) => {
    try {
      const path = new URL(req.url, origin).pathname;
      if (req.method === 'GET' && path === METADATA_PATH) {
        // RFC 9728 §3: where to get tokens for this server, and which scopes it takes.
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ resource, authorization_servers: [options.issuer], scopes_supported: options.scopes ?? ['profile'], bearer_methods_supported: ['header'] }));
        return;
      }
      if (path !== MCP_PATH) {
        res.writeHead(404).end();
        return;
      }
      const match = /^Bearer +(\S+)$/i.exec(req.headers.authorization ?? '');
      const caller = match ? await verify(match[1]) : null;
      if (!caller) {
        res.writeHead(401, { 'www-authenticate': match ? `${challenge}, error="invalid_token"` : challenge, 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'invalid_token' }));
        return;
      }
      // Stateless: a fresh MCP server and transport per request, nothing kept between them.
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      const mcp = mcpServer(caller);
      res.on('close', () => {
        void transport.close();
        void mcp.close();
      });
      await mcp.connect(transport);
      await transport.handleRequest(req, res, req.method === 'POST' ? await readJson(req) : undefined);
    } catch (err) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'server_error', detail: String(err && err.message) }));
    }
  });

  return { url: `${origin}${MCP_PATH}`, resource, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

module.exports = { startMcpServer };

if (require.main === module) {
  const env = process.env;
  if (!env.GATEHOUSE_ISSUER) {
    process.stderr.write('GATEHOUSE_ISSUER is required (and INTROSPECTION_CLIENT_ID/SECRET for opaque tokens)\n');
    process.exit(1);
  }
  startMcpServer({
    issuer: env.GATEHOUSE_ISSUER.replace(/\/+$/, ''),
    publicUrl: env.MCP_PUBLIC_URL,
    port: Number(env.PORT ?? 3001),
    host: env.HOST ?? '127.0.0.1',
    introspection: env.INTROSPECTION_CLIENT_ID ? { clientId: env.INTROSPECTION_CLIENT_ID, clientSecret: env.INTROSPECTION_CLIENT_SECRET ?? '' } : undefined,
  }).then(({ url }) => process.stdout.write(`MCP server at ${url}\n`));
}
