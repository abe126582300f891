import { TlsSessions } from '../../../src/net/tls-sessions';

const session = (text: string): Buffer => Buffer.from(text);

describe('TlsSessions', () => {
  it("gives each name and port back its own session, and none of another's", () => {
    const sessions = new TlsSessions(10);
    sessions.set('a.test', 443, session('a'));
    expect(sessions.get('a.test', 443)?.toString()).toBe('a');
    expect(sessions.get('b.test', 443)).toBeUndefined();
    expect(sessions.get('a.test', 8443)).toBeUndefined();
  });

  it('keeps the newest session of a name', () => {
    const sessions = new TlsSessions(10);
    sessions.set('a.test', 443, session('first'));
    sessions.set('a.test', 443, session('second'));
    expect(sessions.get('a.test', 443)?.toString()).toBe('second');
    expect(sessions.size).toBe(1);
  });

  it('holds at most its bound, dropping the least recently used name', () => {
    const sessions = new TlsSessions(2);
    sessions.set('a.test', 443, session('a'));
    sessions.set('b.test', 443, session('b'));
    sessions.get('a.test', 443); // a is now more recent than b
    sessions.set('c.test', 443, session('c'));
    expect(sessions.size).toBe(2);
    expect(sessions.get('b.test', 443)).toBeUndefined();
    expect(sessions.get('a.test', 443)?.toString()).toBe('a');
    expect(sessions.get('c.test', 443)?.toString()).toBe('c');
  });
});
