import { BadUrlError, BlockedAddressError, ConfigError, FETCH_ERROR_CODES } from '../../../src/errors';
import { createNetworkGuard } from '../../../src/net/guard';
import { parseIpLiteral } from '../../../src/net/ip';

/** The error `fn` throws; fails the test when it returns normally. */
function thrown(fn: () => void): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('createNetworkGuard', () => {
  describe('checkUrl', () => {
    const guard = createNetworkGuard([]);

    it.each([
      'ftp://example.com/file',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'data:text/plain,hello',
      'ws://example.com/',
      'gopher://127.0.0.1:6379/_INFO',
    ])('refuses %s with BAD_URL', (raw) => {
      const error = thrown(() => guard.checkUrl(new URL(raw)));
      expect(error).toBeInstanceOf(BadUrlError);
      expect(error).toMatchObject({ code: FETCH_ERROR_CODES.BAD_URL });
      expect((error as Error).message).toContain(new URL(raw).protocol);
    });

    it.each([
      'http://example.com/',
      'https://example.com:8443/path?q=1',
      'https://sub.example.co.uk/',
      'http://example.com./',
      'http://localhost.example.com/',
      'http://notlocalhost/',
      'http://1.2.3.4.example/',
      'https://xn--bcher-kva.example/',
    ])('lets the hostname URL %s through for the connect-time check', (raw) => {
      expect(() => guard.checkUrl(new URL(raw))).not.toThrow();
    });

    it.each([
      'http://93.184.216.34/',
      'https://8.8.8.8/',
      'http://1572395042/',
      'https://[2606:4700::1111]/',
      'http://[2001:4860:4860::8888]:8080/',
      'http://[::ffff:8.8.8.8]/',
    ])('lets the public IP literal %s through', (raw) => {
      expect(() => guard.checkUrl(new URL(raw))).not.toThrow();
    });

    it.each([
      ['http://127.0.0.1/', 'loopback'],
      ['http://2130706433/', 'loopback'],
      ['http://0x7f000001/', 'loopback'],
      ['http://0177.0.0.1/', 'loopback'],
      ['http://127.1/', 'loopback'],
      ['http://0x7f.1/', 'loopback'],
      ['http://0x7f.0.00.1/', 'loopback'],
      ['http://127.0.0.1./', 'loopback'],
      ['http://[::1]/', 'loopback'],
      ['http://[0:0:0:0:0:0:0:1]:8080/', 'loopback'],
      ['http://[::ffff:127.0.0.1]/', 'loopback (IPv4-mapped 127.0.0.1)'],
      ['http://[::ffff:7f00:1]/', 'loopback (IPv4-mapped 127.0.0.1)'],
      ['http://169.254.169.254/latest/meta-data/', 'link-local (cloud metadata)'],
      ['http://2852039166/latest/meta-data/', 'link-local (cloud metadata)'],
      ['http://0xa9.0xfe.0xa9.0xfe/', 'link-local (cloud metadata)'],
      ['http://[::ffff:169.254.169.254]/', 'link-local (cloud metadata) (IPv4-mapped 169.254.169.254)'],
      ['http://[fd00:ec2::254]/latest/meta-data/', 'unique local (IPv6, AWS metadata)'],
      ['http://[64:ff9b::169.254.169.254]/', 'link-local (cloud metadata) (NAT64 169.254.169.254)'],
      ['http://[2002:a9fe:a9fe::]/', 'link-local (cloud metadata) (6to4 169.254.169.254)'],
      ['http://10.0.0.1/', 'private (RFC 1918)'],
      ['http://172.16.0.1/', 'private (RFC 1918)'],
      ['https://192.168.1.1:8443/', 'private (RFC 1918)'],
      ['http://100.64.0.1/', 'carrier-grade NAT'],
      ['http://[fc00::1]/', 'unique local (IPv6)'],
      ['http://[fe80::1]/', 'link-local (IPv6)'],
      ['http://224.0.0.1/', 'multicast'],
      ['http://[ff02::1]/', 'multicast'],
      ['http://0.0.0.0/', 'unspecified'],
      ['http://0/', 'unspecified'],
      ['http://[::]/', 'unspecified'],
      ['http://255.255.255.255/', 'broadcast'],
      ['http://4294967295/', 'broadcast'],
      ['http://192.0.2.1/', 'documentation'],
      ['http://[2001:db8::1]/', 'documentation'],
      ['http://198.18.0.1/', 'benchmarking'],
      ['http://240.0.0.1/', 'reserved'],
    ])('refuses %s as %s', (raw, reason) => {
      const url = new URL(raw);
      const error = thrown(() => guard.checkUrl(url));
      expect(error).toBeInstanceOf(BlockedAddressError);
      expect(error).toMatchObject({
        code: FETCH_ERROR_CODES.BLOCKED_ADDRESS,
        message: `${url.hostname} is ${reason}`,
      });
    });

    it.each([
      ['0x7f000001', '127.0.0.1', 'loopback'],
      ['0251.0376.0251.0376', '169.254.169.254', 'link-local (cloud metadata)'],
      ['[0:0:0:0:0:ffff:7f00:1]', '[::ffff:7f00:1]', 'loopback (IPv4-mapped 127.0.0.1)'],
    ])('names both forms when the hostname %s was not canonicalised by URL', (raw, shown, reason) => {
      // A URL-shaped object whose hostname came from somewhere other than WHATWG parsing.
      const url = { protocol: 'http:', hostname: raw, port: '' } as URL;
      expect(() => guard.checkUrl(url)).toThrow(`${raw} (${shown}) is ${reason}`);
    });

    it.each(['http://localhost/', 'http://LOCALHOST:3000/', 'http://localhost./', 'http://api.localhost/', 'http://a.b.localhost./'])(
      'refuses %s as loopback without resolving it',
      (raw) => {
        const error = thrown(() => guard.checkUrl(new URL(raw)));
        expect(error).toBeInstanceOf(BlockedAddressError);
        expect((error as Error).message).toBe(`${new URL(raw).hostname} is loopback (localhost)`);
      },
    );
  });

  describe('checkUrl with an allowlist', () => {
    const guard = createNetworkGuard(['127.0.0.1:8080', 'localhost', '[::1]:9000', '10.0.0.5:80']);

    it('lets an allowlisted host:port through', () => {
      expect(() => guard.checkUrl(new URL('http://127.0.0.1:8080/x'))).not.toThrow();
    });

    it('lets the same address in another notation through, since URL canonicalises it', () => {
      expect(() => guard.checkUrl(new URL('http://2130706433:8080/'))).not.toThrow();
    });

    it('still refuses the allowlisted address on another port', () => {
      expect(() => guard.checkUrl(new URL('http://127.0.0.1:8081/'))).toThrow(BlockedAddressError);
      expect(() => guard.checkUrl(new URL('http://127.0.0.1/'))).toThrow(BlockedAddressError);
    });

    it('applies the scheme default port before matching', () => {
      expect(() => guard.checkUrl(new URL('http://10.0.0.5/'))).not.toThrow();
      expect(() => guard.checkUrl(new URL('https://10.0.0.5/'))).toThrow(BlockedAddressError);
    });

    it('lets a host entry through on every port', () => {
      expect(() => guard.checkUrl(new URL('http://localhost:3000/'))).not.toThrow();
      expect(() => guard.checkUrl(new URL('https://localhost/'))).not.toThrow();
      expect(() => guard.checkUrl(new URL('http://api.localhost/'))).toThrow(BlockedAddressError);
    });

    it('matches an IPv6 entry on its port only', () => {
      expect(() => guard.checkUrl(new URL('http://[::1]:9000/'))).not.toThrow();
      expect(() => guard.checkUrl(new URL('http://[0::1]:9000/'))).not.toThrow();
      expect(() => guard.checkUrl(new URL('http://[::1]:9001/'))).toThrow(BlockedAddressError);
    });

    it('never lets a non-http scheme through, allowlisted or not', () => {
      expect(() => guard.checkUrl(new URL('ftp://127.0.0.1:8080/'))).toThrow(BadUrlError);
    });
  });

  describe('isAllowed', () => {
    it('allows nothing with an empty allowlist', () => {
      const guard = createNetworkGuard([]);
      expect(guard.isAllowed('127.0.0.1', 80)).toBe(false);
      expect(guard.isAllowed('localhost', 80)).toBe(false);
    });

    it('allows every port of a host entry and only the named port of a host:port entry', () => {
      const guard = createNetworkGuard(['internal.test', 'api.test:8443']);
      expect(guard.isAllowed('internal.test', 80)).toBe(true);
      expect(guard.isAllowed('internal.test', 65535)).toBe(true);
      expect(guard.isAllowed('api.test', 8443)).toBe(true);
      expect(guard.isAllowed('api.test', 443)).toBe(false);
      expect(guard.isAllowed('other.test', 80)).toBe(false);
    });

    it('matches hosts exactly, not as suffixes or prefixes', () => {
      const guard = createNetworkGuard(['example.test']);
      expect(guard.isAllowed('sub.example.test', 80)).toBe(false);
      expect(guard.isAllowed('example.test.evil', 80)).toBe(false);
      expect(guard.isAllowed('example.test.', 80)).toBe(false);
    });

    it('collects several ports of one host, and a bare host entry widens to every port', () => {
      const ports = createNetworkGuard(['a.test:1', 'a.test:2']);
      expect([1, 2, 3].map((port) => ports.isAllowed('a.test', port))).toEqual([true, true, false]);
      const wide = createNetworkGuard(['a.test:1', 'a.test']);
      expect(wide.isAllowed('a.test', 3)).toBe(true);
    });

    it('ignores case', () => {
      const guard = createNetworkGuard(['Example.TEST:8080']);
      expect(guard.isAllowed('EXAMPLE.test', 8080)).toBe(true);
    });

    it('compares IP literals by address, whatever their notation', () => {
      const guard = createNetworkGuard(['127.0.0.1:8080', '[0:0:0:0:0:0:0:1]', '[FD00:EC2::254]:80']);
      expect(guard.isAllowed('2130706433', 8080)).toBe(true);
      expect(guard.isAllowed('0x7f.1', 8080)).toBe(true);
      expect(guard.isAllowed('[::1]', 1234)).toBe(true);
      expect(guard.isAllowed('[fd00:ec2::254]', 80)).toBe(true);
      expect(guard.isAllowed('[fd00:ec2::254]', 81)).toBe(false);
      expect(guard.isAllowed('127.0.0.2', 8080)).toBe(false);
    });

    it.each(['a.test:', ':80', 'a.test:0', 'a.test:65536', 'a.test:80:81', '[::1', '[::1]x', 'a.test:http'])(
      'rejects the malformed entry %j with a ConfigError naming it',
      (entry) => {
        expect(() => createNetworkGuard([entry])).toThrow(ConfigError);
        expect(() => createNetworkGuard([entry])).toThrow(`\`${entry}\``);
      },
    );
  });

  describe('checkAddress', () => {
    const guard = createNetworkGuard([]);

    it('names the address and the range', () => {
      const error = thrown(() => guard.checkAddress('169.254.169.254', 4));
      expect(error).toBeInstanceOf(BlockedAddressError);
      expect(error).toMatchObject({
        code: FETCH_ERROR_CODES.BLOCKED_ADDRESS,
        message: '169.254.169.254 is link-local (cloud metadata)',
      });
    });

    it.each([
      ['127.0.0.1', 4],
      ['10.1.2.3', 4],
      ['0.0.0.0', 4],
      ['::1', 6],
      ['::', 6],
      ['::ffff:127.0.0.1', 6],
      ['::ffff:a9fe:a9fe', 6],
      ['fd00:ec2::254', 6],
      ['fe80::1', 6],
      ['ff02::1', 6],
    ] as const)('refuses the resolved address %s', (address, family) => {
      expect(() => guard.checkAddress(address, family)).toThrow(BlockedAddressError);
    });

    it.each([
      ['93.184.216.34', 4],
      ['8.8.8.8', 4],
      ['2606:4700::1111', 6],
    ] as const)('accepts the public address %s', (address, family) => {
      expect(() => guard.checkAddress(address, family)).not.toThrow();
    });

    it('fails closed on text that is not an address of the family', () => {
      expect(() => guard.checkAddress('example.com', 4)).toThrow('example.com is not a valid IPv4 address');
      expect(() => guard.checkAddress('93.184.216.34', 6)).toThrow(BlockedAddressError);
    });

    it('does not consult the allowlist (the caller does, with the hostname and port)', () => {
      const allowing = createNetworkGuard(['127.0.0.1']);
      expect(() => allowing.checkAddress('127.0.0.1', 4)).toThrow(BlockedAddressError);
    });
  });

  describe('raw notations and their URL form', () => {
    const guard = createNetworkGuard([]);
    /** Whether `fn` refuses with BlockedAddressError; other errors fail the test. */
    function blocks(fn: () => void): boolean {
      try {
        fn();
        return false;
      } catch (error) {
        if (error instanceof BlockedAddressError) return true;
        throw error;
      }
    }

    it.each([
      ['2130706433', true],
      ['0x7f.1', true],
      ['0177.0.0.1', true],
      ['0xa9fea9fe', true],
      ['[::ffff:127.0.0.1]', true],
      ['[64:ff9b::a9fe:a9fe]', true],
      ['1572395042', false],
      ['0x5d.0xb8.0xd8.0x22', false],
      ['[2606:4700:0:0:0:0:0:1111]', false],
    ] as const)('judges %s the same raw (checkAddress) and after URL parsing (checkUrl)', (raw, blocked) => {
      const ip = parseIpLiteral(raw);
      expect(ip).not.toBeNull();
      const direct = blocks(() => guard.checkAddress(ip?.address ?? '', ip?.family ?? 4));
      const viaUrl = blocks(() => guard.checkUrl(new URL(`http://${raw}/`)));
      expect([direct, viaUrl]).toEqual([blocked, blocked]);
    });
  });
});
