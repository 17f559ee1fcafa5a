import { unreachableKind } from './mysql-hosts';

const err = (props: Record<string, unknown>, message = 'driver message') => Object.assign(new Error(message), props);

describe('unreachableKind', () => {
  it('knows the errors of a statement that never reached a node: safe to run on another', () => {
    expect(unreachableKind(err({ code: 'ECONNREFUSED' }))).toBe('not-run');
    expect(unreachableKind(err({ code: 'ETIMEDOUT' }))).toBe('not-run');
    expect(unreachableKind(err({ code: 'ER_UNKNOWN_COM_ERROR', errno: 1047 }, 'WSREP has not yet prepared node for application use'))).toBe('not-run');
    expect(unreachableKind(err({}, "Can't add new command when connection is in closed state"))).toBe('not-run');
    expect(unreachableKind(err({ errno: 1180 }, 'Error while appending streaming replication fragment(provider status: Not connected to Primary Component)'))).toBe('not-run');
  });

  it('knows a connection that broke while the statement ran: a write may have committed', () => {
    expect(unreachableKind(err({ code: 'PROTOCOL_CONNECTION_LOST' }))).toBe('lost');
    expect(unreachableKind(err({ code: 'ECONNRESET' }))).toBe('lost');
  });

  it('leaves every other error alone', () => {
    expect(unreachableKind(err({ code: 'ER_DUP_ENTRY', errno: 1062 }))).toBeNull();
    expect(unreachableKind(err({ code: 'ER_LOCK_DEADLOCK', errno: 1213 }))).toBeNull();
    expect(unreachableKind(null)).toBeNull();
  });
});
