import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

export const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * A relying party's web app on its own loopback port: subclasses answer `handle`; an exception
 * becomes a 500 page showing it (`#error`), so a browser test sees what went wrong.
 */
export abstract class LoopbackApp {
  private readonly server: Server;
  url = '';

  constructor() {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err) => this.page(res, 500, 'Error', `<p id="error">${esc(String(err))}</p>`));
    });
  }

  get redirectUri(): string {
    return `${this.url}/callback`;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  protected abstract handle(req: IncomingMessage, res: ServerResponse): Promise<void>;

  protected abstract page(res: ServerResponse, status: number, title: string, body: string): void;
}
