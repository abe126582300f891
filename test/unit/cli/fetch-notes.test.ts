import { RunNotes, shellQuote } from '../../../src/cli/fetch-notes';
import type { FetchResult } from '../../../src/fetch/result';
import type { RunSummary } from '../../../src/fetch/types';

function record(line: number, code: string | null): FetchResult {
  return {
    url: `http://127.0.0.1:8080/${line}`,
    line,
    ok: code === null,
    status: code === null ? 200 : null,
    finalUrl: null,
    headers: {},
    bytes: 0,
    sha256: null,
    attempts: code === 'NOT_ATTEMPTED' ? 0 : 1,
    timings: { dns: null, connect: null, ttfb: null, total: 0, queued: 0 },
    error: code === null ? null : { code, message: code },
  } as FetchResult;
}

function summary(total: number, notAttempted: number): RunSummary {
  return {
    total,
    ok: total - notAttempted,
    failed: 0,
    notAttempted,
    errors: { NOT_ATTEMPTED: notAttempted },
    elapsedMs: 1000,
    hosts: { throttled: 0, pausedMs: 0, unavailable: 0, gaveUp: 0 },
  } as RunSummary;
}

describe('RunNotes, after a stop', () => {
  function stoppedHint(argv: string[]): string {
    const notes = new RunNotes();
    notes.see(record(1, null));
    notes.see(record(2, 'NOT_ATTEMPTED'));
    const secretOptions = new Set(['--header', '-H']);
    const [hint] = notes.hints(summary(2, 1), true, { argv, input: 'urls.txt', out: 'out.jsonl', secretOptions });
    return hint ?? '';
  }

  it('prints the command that continues the run, quoted for a shell', () => {
    expect(stoppedHint(['urls.txt', '--out', 'out.jsonl', '--user-agent', "it's me"])).toBe(
      `fanout: stopped: 1 of 2 URLs not fetched; to continue: fanout fetch urls.txt --out out.jsonl --user-agent 'it'\\''s me' --resume\n`,
    );
  });

  it('never repeats the value of a secret option, however it is spelled', () => {
    const hint = stoppedHint([
      'urls.txt',
      '--out',
      'out.jsonl',
      '--header',
      'Authorization: Bearer s3cret-1',
      '--header=Cookie: s3cret-2',
      '-H',
      's3cret-3',
      '-Hs3cret-4',
    ]);
    expect(hint).not.toMatch(/s3cret/);
    expect(hint).toContain("--header '…' '--header=…' -H '…' '-H…' --resume (the values of --header, -H are left out: give them again)");
  });

  it('says how to make a run resumable when it wrote to stdout', () => {
    const notes = new RunNotes();
    notes.see(record(1, 'NOT_ATTEMPTED'));
    const [hint] = notes.hints(summary(1, 1), true, { argv: ['-'], input: '-', out: undefined, secretOptions: new Set() });
    expect(hint).toMatch(/^fanout: stopped: 1 of 1 URLs not fetched; to be able to continue a stopped run, .*--out FILE.*--resume\n$/);
  });

  it('says nothing when the run was not stopped', () => {
    const notes = new RunNotes();
    notes.see(record(1, null));
    expect(notes.hints(summary(1, 0), false, { argv: [], input: 'u', out: 'o', secretOptions: new Set() })).toEqual([]);
  });
});

describe('shellQuote', () => {
  it.each([
    ['plain/path-1.txt', 'plain/path-1.txt'],
    ['127.0.0.1:8080', '127.0.0.1:8080'],
    ['two words', "'two words'"],
    ["it's", "'it'\\''s'"],
    ['$HOME', "'$HOME'"],
    ['', "''"],
  ])('%j reads back as itself', (arg, quoted) => {
    expect(shellQuote(arg)).toBe(quoted);
  });
});
