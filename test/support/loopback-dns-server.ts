import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';

/** What the server answers for a name and record type. */
export type DnsReply =
  /** These addresses (of the asked family), kept `ttl` seconds. */
  | { readonly addresses: readonly string[]; readonly ttl?: number; readonly delayMs?: number }
  /** NXDOMAIN: no such name. */
  | 'nxdomain'
  /** SERVFAIL: a temporary failure. */
  | 'servfail'
  /** No answer at all: the client times out. */
  | 'drop';

/** Decides the reply to a query for `name` (lowercase, no trailing dot) of `type` (`A` or `AAAA`). */
export type DnsAnswerer = (name: string, type: 'A' | 'AAAA') => DnsReply;

/** A DNS server of the test's (or the benchmark's) own on 127.0.0.1. */
export interface LoopbackDnsServer {
  /** `127.0.0.1:<port>`, as `dnsServers` takes it. */
  readonly address: string;
  readonly port: number;
  /** Queries received per `type name`, e.g. `A h1.test`. */
  readonly queries: Map<string, number>;
  /** Queries received in all. */
  total(): number;
  close(): Promise<void>;
}

const TYPE_A = 1;
const TYPE_AAAA = 28;
/** Response, recursion desired and available: rcode in the low bits. */
const FLAGS_RESPONSE = 0x8180;
const RCODE_SERVFAIL = 2;
const RCODE_NXDOMAIN = 3;

/**
 * Starts a tiny UDP DNS responder on 127.0.0.1 at a free port: enough of RFC 1035
 * for c-ares's A and AAAA queries (one question; the answer names point back at
 * it). Every other record type gets an empty answer (NODATA). Tests point the
 * engine's resolver at it (`dnsServers`), so no test ever asks a real DNS server.
 *
 * @param answer decides each reply; a reply with `delayMs` is sent that much later
 */
export async function startLoopbackDnsServer(answer: DnsAnswerer): Promise<LoopbackDnsServer> {
  // Room for a burst of thousands of queries: the default buffer (~200 KiB) drops them past a few hundred.
  const socket = createSocket({ type: 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
  const queries = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  socket.on('message', (query, peer) => {
    const question = parseQuestion(query);
    if (question === null) return;
    const typeName = question.type === TYPE_A ? 'A' : question.type === TYPE_AAAA ? 'AAAA' : String(question.type);
    const key = `${typeName} ${question.name}`;
    queries.set(key, (queries.get(key) ?? 0) + 1);
    const reply: DnsReply = typeName === 'A' || typeName === 'AAAA' ? answer(question.name, typeName) : { addresses: [] };
    if (reply === 'drop') return;
    const packet = buildReply(query, question.end, question.type, reply);
    const delay = typeof reply === 'object' ? (reply.delayMs ?? 0) : 0;
    const send = (): void => socket.send(packet, peer.port, peer.address);
    if (delay <= 0) send();
    else {
      const timer = setTimeout(() => {
        timers.delete(timer);
        send();
      }, delay);
      timers.add(timer);
    }
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const port = socket.address().port;
  return {
    address: `127.0.0.1:${port}`,
    port,
    queries,
    total: () => [...queries.values()].reduce((a, b) => a + b, 0),
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        socket.close(() => resolve());
      }),
  };
}

/** The question of a query: its name, type, and where it ends in the packet. */
function parseQuestion(packet: Buffer): { name: string; type: number; end: number } | null {
  if (packet.length < 12 || packet.readUInt16BE(4) < 1) return null;
  const labels: string[] = [];
  let at = 12;
  for (;;) {
    const length = packet[at];
    if (length === undefined || length > 63) return null;
    at++;
    if (length === 0) break;
    labels.push(packet.toString('latin1', at, at + length).toLowerCase());
    at += length;
  }
  if (at + 4 > packet.length) return null;
  return { name: labels.join('.'), type: packet.readUInt16BE(at), end: at + 4 };
}

function buildReply(query: Buffer, questionEnd: number, type: number, reply: Exclude<DnsReply, 'drop'>): Buffer {
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2); // the id
  const rcode = reply === 'nxdomain' ? RCODE_NXDOMAIN : reply === 'servfail' ? RCODE_SERVFAIL : 0;
  header.writeUInt16BE(FLAGS_RESPONSE | rcode, 2);
  header.writeUInt16BE(1, 4);
  const addresses = typeof reply === 'object' ? reply.addresses.filter((a) => isIP(a) === (type === TYPE_A ? 4 : 6)) : [];
  header.writeUInt16BE(addresses.length, 6);
  const ttl = typeof reply === 'object' ? (reply.ttl ?? 300) : 0;
  const records = addresses.map((address) => {
    const data = type === TYPE_A ? Buffer.from(address.split('.').map(Number)) : ipv6Bytes(address);
    const record = Buffer.alloc(12 + data.length);
    record.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
    record.writeUInt16BE(type, 2);
    record.writeUInt16BE(1, 4); // class IN
    record.writeUInt32BE(ttl, 6);
    record.writeUInt16BE(data.length, 10);
    data.copy(record, 12);
    return record;
  });
  return Buffer.concat([header, query.subarray(12, questionEnd), ...records]);
}

function ipv6Bytes(address: string): Buffer {
  const [head = '', tail = ''] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = address.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  const out = Buffer.alloc(16);
  groups.forEach((group, i) => out.writeUInt16BE(parseInt(group, 16), i * 2));
  return out;
}
