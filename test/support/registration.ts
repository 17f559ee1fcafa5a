import { TestApp } from './start-app';

/** A JSON call to the registration endpoint or a registration_client_uri; answers status, headers and the parsed body. */
export async function registrationRequest(
  t: TestApp,
  method: string,
  url: string,
  body?: unknown,
  bearer?: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  const res = await fetch(url.startsWith('http') ? url : `${t.url}${url}`, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

/** RFC 7591 §2 metadata of a typical MCP client: public, code + refresh, a loopback redirect. */
export function mcpClientMetadata(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    client_name: 'Agent',
    redirect_uris: ['http://127.0.0.1:33418/callback'],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    ...overrides,
  };
}
