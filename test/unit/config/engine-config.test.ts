import { ENGINE_DEFAULTS, resolveEngineConfig } from '../../../src/config/engine-config';

describe('resolveEngineConfig', () => {
  it('fills in the defaults and freezes the result', () => {
    const config = resolveEngineConfig({});
    expect(config).toEqual(ENGINE_DEFAULTS);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('accepts numbers given as strings, as flags and env vars give them', () => {
    expect(resolveEngineConfig({ concurrency: '200', hash: 'false' })).toMatchObject({ concurrency: 200, hash: false });
  });

  it('names the key, as the caller spells it, and the value when a value is bad', () => {
    expect(() => resolveEngineConfig({ concurrency: 'abc' }, (k) => `--${k}`)).toThrow(
      'Expected `--concurrency` to be an integer from 1 to 10000, got `abc`',
    );
    expect(() => resolveEngineConfig({ retries: -1 })).toThrow('`retries`');
    expect(() => resolveEngineConfig({ timeoutMs: 1.5 })).toThrow('got `1.5`');
  });

  it('refuses unknown keys', () => {
    expect(() => resolveEngineConfig({ concurency: 3 } as never)).toThrow('Unknown option `concurency`');
  });

  it.each(['constructor', 'toString', 'hasOwnProperty'])('refuses %s, a key only Object.prototype has', (key) => {
    expect(() => resolveEngineConfig({ [key]: 3 } as never)).toThrow(`Unknown option \`${key}\``);
  });

  it('validates allowlist entries as host[:port]', () => {
    expect(resolveEngineConfig({ allowNet: 'LocalHost:8080, 127.0.0.1,[::1]:99' }).allowNet).toEqual([
      'localhost:8080',
      '127.0.0.1',
      '[::1]:99',
    ]);
    expect(() => resolveEngineConfig({ allowNet: ['http://x'] })).toThrow('host[:port], got `http://x`');
    expect(() => resolveEngineConfig({ allowNet: ['x:99999'] })).toThrow('got `x:99999`');
  });

  it('validates name servers as ip[:port]', () => {
    expect(resolveEngineConfig({ dnsServers: '127.0.0.1:5353, ::1, [::1]:53' }).dnsServers).toEqual(['127.0.0.1:5353', '::1', '[::1]:53']);
    expect(() => resolveEngineConfig({ dnsServers: ['dns.example:53'] })).toThrow(
      'Expected `dnsServers` entries to be ip[:port], got `dns.example:53`',
    );
    expect(() => resolveEngineConfig({ dnsServers: ['127.0.0.1:0'] })).toThrow('got `127.0.0.1:0`');
  });

  it('bounds the socket budget and the DNS timeout', () => {
    expect(resolveEngineConfig({ maxSockets: '64', dnsTimeoutMs: 250 })).toMatchObject({ maxSockets: 64, dnsTimeoutMs: 250 });
    expect(() => resolveEngineConfig({ maxSockets: 0 })).toThrow('Expected `maxSockets` to be an integer from 1 to 1000000, got `0`');
  });

  it('takes `ca` as PEM text and refuses anything else without quoting it back', () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    expect(resolveEngineConfig({ ca: pem }).ca).toBe(pem);
    expect(resolveEngineConfig({}).ca).toBeNull();
    expect(() => resolveEngineConfig({ ca: 'private key material' }, () => '--ca')).toThrow(
      'Expected `--ca` to hold PEM certificates (-----BEGIN CERTIFICATE-----)',
    );
  });
});
