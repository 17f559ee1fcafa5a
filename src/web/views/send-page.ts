import type { FastifyReply } from 'fastify';

/** Pages are personal and never cached. */
export function sendPage(reply: FastifyReply, status: number, body: string): void {
  reply.status(status).header('Cache-Control', 'no-store').type('text/html; charset=utf-8').send(body);
}
