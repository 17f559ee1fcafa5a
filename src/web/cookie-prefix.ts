import type { FastifyInstance } from 'fastify';

const PREFIX = '__Host-';

/**
 * Under an https issuer every cookie of the server goes out as `__Host-<name>` (RFC 6265bis
 * §4.1.3.2): the browser then accepts it only with Secure, Path=/ and no Domain, so a sibling
 * subdomain or a plain-http page cannot plant or overwrite it. The code keeps using the plain
 * names: incoming `__Host-<name>` cookies are read as `<name>` (and a plain `<name>` is ignored),
 * outgoing Set-Cookie lines get the prefix. Over http (a loopback development issuer) the browser
 * would refuse such cookies, so nothing changes there.
 */
export function registerHostCookiePrefix(fastify: FastifyInstance, names: readonly string[]): void {
  const ours = new Set(names);
  fastify.addHook('onRequest', (request, _reply, done) => {
    const cookies = request.cookies;
    if (cookies) {
      for (const name of ours) delete cookies[name];
      for (const name of ours) {
        const value = cookies[PREFIX + name];
        if (value !== undefined) {
          cookies[name] = value;
          delete cookies[PREFIX + name];
        }
      }
    }
    done();
  });
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    const header = reply.getHeader('set-cookie');
    if (header !== undefined) {
      const lines = (Array.isArray(header) ? header : [String(header)]).map((line) => {
        const name = line.slice(0, line.indexOf('='));
        return ours.has(name) ? PREFIX + line : line;
      });
      reply.removeHeader('set-cookie'); // header() appends Set-Cookie lines
      reply.header('set-cookie', lines);
    }
    done(null, payload);
  });
}
