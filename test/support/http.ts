import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';

/**
 * HTTP helpers for e2e tests: a cookie-keeping user agent that does not follow redirects, and a
 * generic reader of the server's HTML forms (a test completes the pages without knowing their markup).
 */
export class UserAgent {
  readonly cookies = new Map<string, string>();

  /** `localAddress`: connect from another loopback address (127.0.0.2, ...), as another client IP. */
  constructor(
    readonly base: string,
    readonly localAddress?: string,
  ) {}

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const url = path.startsWith('http') ? path : this.base + path;
    const res = this.localAddress ? await requestFrom(this.localAddress, url, { ...init, headers }) : await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a) || /^\s*max-age=0\s*$/i.test(a));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  get(path: string, headers: Record<string, string> = {}) {
    return this.request(path, { headers });
  }

  postForm(path: string, fields: Record<string, string>) {
    return this.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  }
}

export interface HtmlForm {
  action: string;
  method: string;
  /** Hidden inputs and text inputs with their values. */
  fields: Record<string, string>;
  /** Submit buttons as name → values. */
  buttons: Record<string, string[]>;
  inputNames: string[];
}

const decode = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
const attr = (tag: string, name: string) => {
  const m = new RegExp(`\\s${name}="([^"]*)"`, 'i').exec(tag);
  return m ? decode(m[1]) : undefined;
};

/** The page's one `<form method="post">`. */
export function parseForm(html: string): HtmlForm {
  const forms = [...html.matchAll(/<form\b[^>]*method="post"[^>]*>([\s\S]*?)<\/form>/gi)];
  if (forms.length !== 1) throw new Error(`expected one POST form, found ${forms.length}`);
  const [whole, inner] = forms[0];
  const open = whole.slice(0, whole.indexOf('>') + 1);
  const form: HtmlForm = { action: attr(open, 'action') ?? '', method: 'post', fields: {}, buttons: {}, inputNames: [] };
  for (const [tag] of inner.matchAll(/<input\b[^>]*>/gi)) {
    const name = attr(tag, 'name');
    if (!name) continue;
    form.inputNames.push(name);
    form.fields[name] = attr(tag, 'value') ?? '';
  }
  for (const [tag] of inner.matchAll(/<button\b[^>]*>/gi)) {
    const name = attr(tag, 'name');
    if (name) (form.buttons[name] ??= []).push(attr(tag, 'value') ?? '');
  }
  return form;
}

export function basic(clientId: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return 'Basic ' + Buffer.from(`${enc(clientId)}:${enc(secret)}`).toString('base64');
}

/** POST a form to the token-style endpoints. */
export function postForm(url: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

/** A request from a chosen local address (fetch cannot bind one), answered as a fetch Response. */
export function requestFrom(localAddress: string, url: string, init: { method?: string; headers?: Headers; body?: unknown } = {}): Promise<Response> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    init.headers?.forEach((value, name) => (headers[name] = value));
    const body = typeof init.body === 'string' ? init.body : undefined;
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    const req = httpRequest(url, { method: init.method ?? 'GET', headers, localAddress }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const out = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) out.append(name, v);
        }
        const status = res.statusCode ?? 0;
        resolve(new Response(status === 204 || status === 304 ? null : Buffer.concat(chunks), { status, headers: out }));
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}


/** An answer's status, headers and JSON body (null when the body is empty, e.g. a 204). */
export async function readJson(res: Response): Promise<{ status: number; headers: Headers; body: any }> {
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
