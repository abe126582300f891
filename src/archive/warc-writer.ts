import { once } from 'node:events';
import { STATUS_CODES } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { OutputError } from '../errors';
import { PayloadSpool, type SpooledPayload } from './payload-spool';
import {
  formatHttpHead,
  formatRecordHeader,
  newRecordId,
  REDACTED,
  REVISIT_NOT_MODIFIED,
  WarcDigest,
  warcDate,
  type WarcFields,
} from './warc-fields';

/** Request headers whose values are credentials wherever they are sent. */
export const CREDENTIAL_HEADERS: ReadonlySet<string> = new Set(['authorization', 'proxy-authorization', 'cookie']);

/** The request side of one hop, as sent. */
export interface WarcRequest {
  readonly method: string;
  /** The URL sent (its path and query form the request line). */
  readonly url: URL;
  /** Headers as sent, in order; values of credentials and `secretHeaders` are redacted here. */
  readonly headers: WarcFields;
  readonly body?: Uint8Array;
}

/** One hop: a request and the response it got (redirect hops are exchanges too). */
export interface WarcExchange {
  readonly request: WarcRequest;
  /** The response's head and payload, from {@link WarcWriter.spool}. */
  readonly response: SpooledPayload;
  /** Epoch ms when the request was sent. */
  readonly startedAt: number;
  /** The payload was cut at `maxBytes`: the record says `WARC-Truncated: length`. */
  readonly truncated?: boolean;
  /** A 304 to a conditional request: written as a `revisit` record (server-not-modified). */
  readonly notModified?: boolean;
  readonly ipAddress?: string;
}

export interface WarcWriterOptions {
  /** `.warc.gz`: one gzip member per record, so each record can be read on its own. */
  readonly gzip: boolean;
  /** The file's name for `warcinfo` (`WARC-Filename`). */
  readonly filename: string;
  /** `software` in `warcinfo`, e.g. `fanout/0.1.0`. */
  readonly software: string;
  /** Names (any case) of request headers whose values are secrets besides {@link CREDENTIAL_HEADERS}. */
  readonly secretHeaders?: Iterable<string>;
  /** Where payloads too large to hold wait for their record (default: a new folder in the OS temp dir). */
  readonly tempDir?: string;
}

/**
 * Writes a WARC/1.1 file: a `warcinfo` record first, then for every hop a `response`
 * (or `revisit`) and a `request` record that point at each other through
 * `WARC-Concurrent-To`. The response's block is the status line and headers as
 * received, then the payload as it came on the wire (still content-encoded: a decoded
 * body under the original headers breaks replay). Records are written one at a time,
 * in the order their exchanges complete; each is built from a {@link PayloadSpool},
 * so memory is bounded by the number of responses in flight, not by their size.
 *
 * @example
 * const warc = await WarcWriter.open(createWriteStream('out.warc.gz'), { gzip: true, filename: 'out.warc.gz', software: 'fanout/0.1.0' });
 * const spool = warc.spool(200, 'OK', rawHeaders);
 * for await (const chunk of wireBody) await spool.write(chunk);
 * await warc.writeExchange({ request, response: await spool.finish(), startedAt });
 * await warc.close();
 */
export class WarcWriter {
  readonly #out: Writable;
  readonly #options: WarcWriterOptions;
  readonly #tempDir: string;
  readonly #ownsTempDir: boolean;
  readonly #secrets: ReadonlySet<string>;
  #tail: Promise<void> = Promise.resolve();
  #failure: OutputError | undefined;

  private constructor(out: Writable, options: WarcWriterOptions, tempDir: string, ownsTempDir: boolean) {
    this.#out = out;
    this.#options = options;
    this.#tempDir = tempDir;
    this.#ownsTempDir = ownsTempDir;
    this.#secrets = new Set([...CREDENTIAL_HEADERS, ...[...(options.secretHeaders ?? [])].map((n) => n.toLowerCase())]);
    out.on('error', (err) => {
      this.#failure ??= new OutputError(`cannot write the WARC file ${options.filename}: ${err.message}`, { cause: err });
    });
  }

  /** Opens a writer on `out` and writes the `warcinfo` record. */
  static async open(out: Writable, options: WarcWriterOptions): Promise<WarcWriter> {
    const ownsTempDir = options.tempDir === undefined;
    const tempDir = options.tempDir ?? (await mkdtemp(join(tmpdir(), 'fanout-warc-')));
    const writer = new WarcWriter(out, options, tempDir, ownsTempDir);
    await writer.#writeWarcinfo();
    return writer;
  }

  /** A spool for a response whose head just arrived; feed it the payload as it comes. */
  spool(status: number, statusText: string, headers: WarcFields): PayloadSpool {
    return new PayloadSpool(
      formatHttpHead(`HTTP/1.1 ${status} ${statusText || (STATUS_CODES[status] ?? '')}`.trimEnd(), headers),
      this.#tempDir,
    );
  }

  /** Writes the exchange's two records; resolves once they are handed to the output. */
  writeExchange(exchange: WarcExchange): Promise<void> {
    return this.#enqueue(async () => {
      try {
        const responseId = newRecordId();
        await this.#writeResponse(exchange, responseId);
        await this.#writeRequest(exchange, responseId);
      } finally {
        await exchange.response.discard();
      }
    });
  }

  /** Waits for every record, ends the output and removes the temporary folder. */
  async close(): Promise<void> {
    await this.#tail;
    if (this.#ownsTempDir) await rm(this.#tempDir, { recursive: true, force: true });
    if (this.#failure !== undefined) throw this.#failure;
    this.#out.end();
    await once(this.#out, 'finish');
  }

  #enqueue(write: () => Promise<void>): Promise<void> {
    const next = this.#tail.then(async () => {
      if (this.#failure !== undefined) throw this.#failure;
      await write();
    });
    this.#tail = next.catch(() => undefined);
    return next;
  }

  async #writeWarcinfo(): Promise<void> {
    const block = Buffer.from(
      `software: ${this.#options.software}\r\nformat: WARC File Format 1.1\r\nconformsTo: http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/\r\n`,
    );
    const digest = new WarcDigest();
    digest.update(block);
    await this.#enqueue(() =>
      this.#record(
        [
          ['WARC-Type', 'warcinfo'],
          ['WARC-Record-ID', newRecordId()],
          ['WARC-Date', warcDate(Date.now())],
          ['WARC-Filename', this.#options.filename],
          ['Content-Type', 'application/warc-fields'],
          ['WARC-Block-Digest', digest.value()],
          ['Content-Length', String(block.length)],
        ],
        [block],
      ),
    );
  }

  async #writeResponse(exchange: WarcExchange, recordId: string): Promise<void> {
    const { response } = exchange;
    const fields: [string, string][] = [
      ['WARC-Type', exchange.notModified === true ? 'revisit' : 'response'],
      ['WARC-Record-ID', recordId],
      ['WARC-Date', warcDate(exchange.startedAt)],
      ['WARC-Target-URI', exchange.request.url.href],
    ];
    if (exchange.notModified === true) fields.push(['WARC-Profile', REVISIT_NOT_MODIFIED]);
    if (exchange.ipAddress !== undefined) fields.push(['WARC-IP-Address', exchange.ipAddress]);
    fields.push(['Content-Type', 'application/http;msgtype=response']);
    if (exchange.notModified === true) {
      // A revisit's block is the head alone (its payload is the earlier capture's).
      const digest = new WarcDigest();
      digest.update(response.head);
      fields.push(['WARC-Block-Digest', digest.value()], ['Content-Length', String(response.head.length)]);
      await this.#record(fields, [response.head]);
      return;
    }
    fields.push(['WARC-Block-Digest', response.blockDigest], ['WARC-Payload-Digest', response.payloadDigest]);
    if (exchange.truncated === true) fields.push(['WARC-Truncated', 'length']);
    fields.push(['Content-Length', String(response.head.length + response.length)]);
    await this.#record(fields, concat([response.head], response.chunks()));
  }

  async #writeRequest(exchange: WarcExchange, responseId: string): Promise<void> {
    const { request } = exchange;
    const headers = request.headers.map(([name, value]) => [name, this.#secrets.has(name.toLowerCase()) ? REDACTED : value] as const);
    const head = formatHttpHead(`${request.method} ${request.url.pathname}${request.url.search} HTTP/1.1`, headers);
    const body = request.body === undefined ? Buffer.alloc(0) : Buffer.from(request.body);
    const digest = new WarcDigest();
    digest.update(head);
    digest.update(body);
    await this.#record(
      [
        ['WARC-Type', 'request'],
        ['WARC-Record-ID', newRecordId()],
        ['WARC-Date', warcDate(exchange.startedAt)],
        ['WARC-Target-URI', request.url.href],
        ['WARC-Concurrent-To', responseId],
        ['Content-Type', 'application/http;msgtype=request'],
        ['WARC-Block-Digest', digest.value()],
        ['Content-Length', String(head.length + body.length)],
      ],
      [head, body],
    );
  }

  /** One record: header, block, two CRLFs; under gzip, one member of its own. */
  async #record(fields: WarcFields, block: Iterable<Buffer> | AsyncIterable<Buffer>): Promise<void> {
    const parts = concat([formatRecordHeader(fields)], block, [Buffer.from('\r\n\r\n')]);
    const sink = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        if (this.#out.write(chunk)) done();
        else this.#out.once('drain', () => done());
      },
    });
    if (this.#options.gzip) await pipeline(Readable.from(parts), createGzip(), sink);
    else await pipeline(Readable.from(parts), sink);
  }
}

async function* concat(...sources: ReadonlyArray<Iterable<Buffer> | AsyncIterable<Buffer>>): AsyncIterable<Buffer> {
  for (const source of sources) yield* source;
}
