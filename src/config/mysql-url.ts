/**
 * A MySQL URL may name several servers, the usual multi-host form:
 * `mysql://user:pass@h1:3306,h2:3306,h3:3306/db` (the nodes of one cluster, the first preferred).
 * WHATWG URL and TypeORM read one host only, so the list is split here and each host gets a URL of its own.
 */
export interface MysqlHost {
  host: string;
  port: number;
}

const MULTI = /^(mysql|mariadb):\/\/([^@/?#]*@)?([^/?#]*)(.*)$/;

/** Every host the URL names, in order (one for a plain URL). */
export function mysqlHosts(url: string): MysqlHost[] {
  const m = MULTI.exec(url);
  if (!m || !m[3]) return [];
  return m[3].split(',').map((part) => {
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(part);
    if (bracketed) return { host: bracketed[1], port: Number(bracketed[2] ?? 3306) };
    const [host, port] = part.split(':');
    return { host, port: Number(port ?? 3306) };
  });
}

/** The same URL with `host` as its only server. */
export function mysqlUrlFor(url: string, host: MysqlHost): string {
  const m = MULTI.exec(url);
  if (!m) return url;
  const name = host.host.includes(':') ? `[${host.host}]` : host.host;
  return `${m[1]}://${m[2] ?? ''}${name}:${host.port}${m[4]}`;
}

/** `h1:3306,h2:3306` as an operator would write it (no credentials). */
export function mysqlHostList(url: string): string {
  return mysqlHosts(url)
    .map((h) => `${h.host}:${h.port}`)
    .join(',');
}
