import { parseIpLiteral } from '../../../src/net/ip';
import { blockedRange } from '../../../src/net/ip-ranges';

describe('parseIpLiteral', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['2130706433', '127.0.0.1'],
    ['0x7f000001', '127.0.0.1'],
    ['0X7F000001', '127.0.0.1'],
    ['0177.0.0.1', '127.0.0.1'],
    ['0177.0000.0.01', '127.0.0.1'],
    ['127.1', '127.0.0.1'],
    ['127.0.1', '127.0.0.1'],
    ['0x7f.1', '127.0.0.1'],
    ['0x7f.0.0.0x1', '127.0.0.1'],
    ['0x7f.00.0.1', '127.0.0.1'],
    ['127.0.0.1.', '127.0.0.1'],
    ['0', '0.0.0.0'],
    ['0x', '0.0.0.0'],
    ['4294967295', '255.255.255.255'],
    ['0xa9fea9fe', '169.254.169.254'],
    ['2852039166', '169.254.169.254'],
    ['0251.0376.0251.0376', '169.254.169.254'],
    ['169.16689662', '169.254.169.254'],
    ['10.1', '10.0.0.1'],
    ['192.168.257', '192.168.1.1'],
  ])('reads the IPv4 notation %s as %s', (raw, address) => {
    expect(parseIpLiteral(raw)).toEqual({ address, family: 4 });
  });

  it.each([
    ['::1', '::1'],
    ['[::1]', '::1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['::', '::'],
    ['[::]', '::'],
    ['::ffff:127.0.0.1', '::ffff:7f00:1'],
    ['[::ffff:127.0.0.1]', '::ffff:7f00:1'],
    ['::ffff:7f00:1', '::ffff:7f00:1'],
    ['::FFFF:A9FE:A9FE', '::ffff:a9fe:a9fe'],
    ['0:0:0:0:0:ffff:169.254.169.254', '::ffff:a9fe:a9fe'],
    ['FD00:EC2::254', 'fd00:ec2::254'],
    ['2606:4700:0000:0000:0000:0000:0000:1111', '2606:4700::1111'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['fe80::1%eth0', 'fe80::1'],
    ['[fe80::1%25eth0]', 'fe80::1'],
    ['64:ff9b::169.254.169.254', '64:ff9b::a9fe:a9fe'],
  ])('reads the IPv6 notation %s as %s', (raw, address) => {
    expect(parseIpLiteral(raw)).toEqual({ address, family: 6 });
  });

  it.each([
    'example.com',
    'localhost',
    'a.b.c.d',
    '0x7f.example',
    'example.0x7f.com',
    '',
    '1.2.3.4.5',
    '1..2',
    '.1.2.3',
    '256.0.0.1',
    '1.2.3.256',
    '4294967296',
    '99999999999999999999',
    '08.0.0.1',
    '0x1g',
    '[127.0.0.1]',
    '[::1',
    ':::',
    '1::2::3',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7:8::',
    '12345::1',
    'g::1',
    '::ffff:127.0.0.01',
    '::ffff:127.0.0.1.5',
  ])('returns null for %j, which is no IP literal', (raw) => {
    expect(parseIpLiteral(raw)).toBeNull();
  });

  // The URL standard is the other way a hostname reaches the guard; both must agree.
  it.each([
    '2130706433',
    '0x7f000001',
    '0177.0.0.1',
    '127.1',
    '0x7f.1',
    '0x7f.0.0.0x1',
    '1.0x2.03.4',
    '0xa9fea9fe',
    '169.254.169.254.',
    '[::ffff:127.0.0.1]',
    '[0:0:0:0:0:0:0:1]',
    '[2001:DB8::0:1]',
    '[1:0:0:2:0:0:0:3]',
    '[1:0:0:2:0:0:3:4]',
    '[64:ff9b::10.0.0.1]',
  ])('canonicalises %s exactly as WHATWG URL does', (raw) => {
    const { hostname } = new URL(`http://${raw}/`);
    const parsed = parseIpLiteral(raw);
    expect(parsed?.family === 6 ? `[${parsed.address}]` : parsed?.address).toBe(hostname);
  });
});

describe('blockedRange', () => {
  it.each([
    ['0.0.0.0', 'unspecified'],
    ['0.255.255.255', 'this network (0.0.0.0/8)'],
    ['10.0.0.0', 'private (RFC 1918)'],
    ['10.255.255.255', 'private (RFC 1918)'],
    ['100.64.0.0', 'carrier-grade NAT'],
    ['100.100.100.200', 'carrier-grade NAT'],
    ['100.127.255.255', 'carrier-grade NAT'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['169.254.0.1', 'link-local (cloud metadata)'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['169.254.170.2', 'link-local (cloud metadata)'],
    ['172.16.0.0', 'private (RFC 1918)'],
    ['172.31.255.255', 'private (RFC 1918)'],
    ['192.0.0.192', 'IETF protocol assignments'],
    ['192.0.2.1', 'documentation'],
    ['192.88.99.1', '6to4 relay anycast (deprecated)'],
    ['192.168.0.1', 'private (RFC 1918)'],
    ['192.168.255.255', 'private (RFC 1918)'],
    ['198.18.0.0', 'benchmarking'],
    ['198.19.255.255', 'benchmarking'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.9', 'documentation'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['254.255.255.255', 'reserved'],
    ['255.255.255.255', 'broadcast'],
  ])('refuses IPv4 %s as %s', (address, reason) => {
    expect(blockedRange(address, 4)).toBe(reason);
  });

  it.each([
    '93.184.216.34',
    '8.8.8.8',
    '1.1.1.1',
    '9.255.255.255',
    '11.0.0.0',
    '100.63.255.255',
    '100.128.0.0',
    '126.255.255.255',
    '128.0.0.0',
    '169.253.255.255',
    '169.255.0.0',
    '172.15.255.255',
    '172.32.0.0',
    '192.0.1.0',
    '192.0.3.0',
    '192.167.255.255',
    '192.169.0.0',
    '198.17.255.255',
    '198.20.0.0',
    '223.255.255.255',
  ])('lets the public IPv4 address %s through', (address) => {
    expect(blockedRange(address, 4)).toBeNull();
  });

  it.each([
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fc00::1', 'unique local (IPv6)'],
    ['fdff:ffff::1', 'unique local (IPv6)'],
    ['fd00:ec2::254', 'unique local (IPv6, AWS metadata)'],
    ['fe80::1', 'link-local (IPv6)'],
    ['febf:ffff::1', 'link-local (IPv6)'],
    ['fec0::1', 'site-local (IPv6, deprecated)'],
    ['ff02::1', 'multicast'],
    ['ff0e::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['3fff::1', 'documentation'],
    ['100::1', 'discard-only'],
    ['2001::1', 'Teredo tunnel'],
    ['2001:2::1', 'benchmarking'],
    ['2001:10::1', 'IETF protocol assignments'],
    ['64:ff9b:1::1', 'NAT64 local-use'],
    ['::8.8.8.8', 'reserved (IPv4-compatible, deprecated)'],
    ['::ffff:0:808:808', 'reserved (outside 2000::/3)'],
    ['4000::1', 'reserved (outside 2000::/3)'],
    ['fe00::1', 'reserved (outside 2000::/3)'],
  ])('refuses IPv6 %s as %s', (address, reason) => {
    expect(blockedRange(address, 6)).toBe(reason);
  });

  it.each([
    ['::ffff:127.0.0.1', 'loopback (IPv4-mapped 127.0.0.1)'],
    ['::ffff:7f00:1', 'loopback (IPv4-mapped 127.0.0.1)'],
    ['::ffff:169.254.169.254', 'link-local (cloud metadata) (IPv4-mapped 169.254.169.254)'],
    ['::ffff:a9fe:a9fe', 'link-local (cloud metadata) (IPv4-mapped 169.254.169.254)'],
    ['::ffff:0:0', 'unspecified (IPv4-mapped 0.0.0.0)'],
    ['::ffff:10.1.2.3', 'private (RFC 1918) (IPv4-mapped 10.1.2.3)'],
    ['::127.0.0.1', 'loopback (IPv4-compatible 127.0.0.1)'],
    ['::a9fe:a9fe', 'link-local (cloud metadata) (IPv4-compatible 169.254.169.254)'],
    ['64:ff9b::7f00:1', 'loopback (NAT64 127.0.0.1)'],
    ['64:ff9b::169.254.169.254', 'link-local (cloud metadata) (NAT64 169.254.169.254)'],
    ['64:ff9b::c0a8:101', 'private (RFC 1918) (NAT64 192.168.1.1)'],
    ['2002:7f00:1::', 'loopback (6to4 127.0.0.1)'],
    ['2002:a9fe:a9fe::1', 'link-local (cloud metadata) (6to4 169.254.169.254)'],
    ['2002:ac10:1::', 'private (RFC 1918) (6to4 172.16.0.1)'],
  ])('judges %s by the IPv4 address it embeds', (address, reason) => {
    expect(blockedRange(address, 6)).toBe(reason);
  });

  it.each([
    ['2606:4700::1111', 6],
    ['2001:4860:4860::8888', 6],
    ['2a00:1450:4001:80b::200e', 6],
    ['2001:200::1', 6],
    ['::ffff:8.8.8.8', 6],
    ['64:ff9b::808:808', 6],
    ['2002:808:808::1', 6],
  ] as const)('lets the public IPv6 address %s through', (address, family) => {
    expect(blockedRange(address, family)).toBeNull();
  });

  it('accepts a resolved IPv6 address in brackets or with a zone id', () => {
    expect(blockedRange('[fe80::1]', 6)).toBe('link-local (IPv6)');
    expect(blockedRange('fe80::1%eth0', 6)).toBe('link-local (IPv6)');
  });

  it.each([
    ['example.com', 4, 'not a valid IPv4 address'],
    ['::1', 4, 'not a valid IPv4 address'],
    ['127.0.0.1', 6, 'not a valid IPv6 address'],
    ['', 6, 'not a valid IPv6 address'],
    ['[::1', 6, 'not a valid IPv6 address'],
  ] as const)('fails closed on %j claimed as family %d', (address, family, reason) => {
    expect(blockedRange(address, family)).toBe(reason);
  });
});
