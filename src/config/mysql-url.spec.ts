import { mysqlHostList, mysqlHosts, mysqlUrlFor } from './mysql-url';

describe('mysql-url', () => {
  it('reads one host, with or without a port', () => {
    expect(mysqlHosts('mysql://u:p@db.internal:3307/gatehouse')).toEqual([{ host: 'db.internal', port: 3307 }]);
    expect(mysqlHosts('mysql://db/x')).toEqual([{ host: 'db', port: 3306 }]);
  });

  it('reads every host of the multi-host form, in order, IPv6 in brackets', () => {
    const url = 'mysql://app:s%40cret@h1:3306,h2,[::1]:3308/gatehouse?charset=utf8mb4';
    expect(mysqlHosts(url)).toEqual([
      { host: 'h1', port: 3306 },
      { host: 'h2', port: 3306 },
      { host: '::1', port: 3308 },
    ]);
    expect(mysqlHostList(url)).toBe('h1:3306,h2:3306,::1:3308');
  });

  it('writes a one-host URL for each node, keeping credentials, database and parameters', () => {
    const url = 'mysql://app:s%40cret@h1:3306,h2,[::1]:3308/gatehouse?charset=utf8mb4';
    expect(mysqlUrlFor(url, { host: 'h2', port: 3306 })).toBe('mysql://app:s%40cret@h2:3306/gatehouse?charset=utf8mb4');
    expect(mysqlUrlFor(url, { host: '::1', port: 3308 })).toBe('mysql://app:s%40cret@[::1]:3308/gatehouse?charset=utf8mb4');
    expect(new URL(mysqlUrlFor(url, { host: '::1', port: 3308 })).hostname).toBe('[::1]');
  });
});
