import type { IncomingMessage, ServerResponse } from 'node:http';
import { esc, LoopbackApp } from './loopback-app';

/** One POST the relying party received at its redirect URI. */
export interface ReceivedPost {
  method: string;
  contentType: string;
  /** The form's fields, as the relying party parsed them. */
  fields: Record<string, string>;
}

/**
 * A relying party that asks for response_mode=form_post: /start sends the browser to the
 * authorization endpoint, /callback records the POST it gets (method, content type, fields) and
 * answers, as web apps do, with a 303 to a page of its own showing what it received — on its other
 * origin (`localhost` for 127.0.0.1), as an app whose callback lives on another host than its pages.
 */
export class FormPostApp extends LoopbackApp {
  readonly received: ReceivedPost[] = [];

  constructor(private readonly authorizeUrl: (redirectUri: string) => string) {
    super();
  }

  /** Where the app shows what it received: the same server under its other origin. */
  get doneUrl(): string {
    return `${this.url.replace('//127.0.0.1:', '//localhost:')}/done`;
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    if (url.pathname === '/start') {
      res.writeHead(302, { location: this.authorizeUrl(this.redirectUri) }).end();
      return;
    }
    if (url.pathname === '/callback') {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      this.received.push({
        method: req.method ?? '',
        contentType: req.headers['content-type'] ?? '',
        fields: Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))),
      });
      res.writeHead(303, { location: this.doneUrl }).end();
      return;
    }
    if (url.pathname === '/done') {
      const last = this.received.at(-1);
      const fields = Object.entries(last?.fields ?? {}).map(([k, v]) => `<dt>${esc(k)}</dt><dd id="field-${esc(k)}">${esc(v.length > 24 ? `${v.slice(0, 24)}…` : v)}</dd>`);
      return this.page(res, 200, 'Received', `<h1 id="received">The app received a ${esc(last?.method ?? 'nothing')}</h1><dl>${fields.join('')}</dl>`);
    }
    this.page(res, 404, 'Not found', '<p>not found</p>');
  }

  protected page(res: ServerResponse, status: number, title: string, body: string): void {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><title>${esc(title)}</title>${body}`);
  }
}
