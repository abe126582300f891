import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A CA made for one test or bench run, and a server certificate it signed. */
export interface TestCa {
  /** The CA's certificate (PEM), what `--ca` is given. */
  readonly caPem: string;
  /** A file holding {@link TestCa.caPem}, deleted by {@link TestCa.remove}. */
  readonly caFile: string;
  /** The server's private key and certificate (PEM), for `https.createServer`. */
  readonly key: string;
  readonly cert: string;
  /** Files holding {@link TestCa.key} and {@link TestCa.cert}. */
  readonly keyFile: string;
  readonly certFile: string;
  /** Deletes the files. */
  remove(): void;
}

/**
 * Makes a throwaway CA with `openssl` and a server certificate for `names`
 * (DNS names, wildcards allowed, e.g. `*.fanout.test`, or IP addresses). EC P-256 keys: quick to
 * make and to handshake with. Nothing here is trusted outside the run that made it.
 */
export function makeTestCa(names: readonly string[]): TestCa {
  const dir = mkdtempSync(join(tmpdir(), 'fanout-ca-'));
  const file = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  };
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ecKey, '-keyout', file('ca-key.pem'), '-out', file('ca.pem'), '-days', '2', '-subj', '/CN=fanout test CA');
  openssl('req', ...ecKey, '-keyout', file('key.pem'), '-out', file('server.csr'), '-subj', `/CN=${names[0] ?? 'localhost'}`);
  writeFileSync(
    file('ext.cnf'),
    `subjectAltName=${names.map((n) => (isIP(n) === 0 ? `DNS:${n}` : `IP:${n}`)).join(',')}\nextendedKeyUsage=serverAuth\n`,
  );
  openssl(
    'x509',
    '-req',
    '-in',
    file('server.csr'),
    '-CA',
    file('ca.pem'),
    '-CAkey',
    file('ca-key.pem'),
    '-CAcreateserial',
    '-out',
    file('cert.pem'),
    '-days',
    '2',
    '-extfile',
    file('ext.cnf'),
  );
  return {
    caPem: readFileSync(file('ca.pem'), 'utf8'),
    caFile: file('ca.pem'),
    key: readFileSync(file('key.pem'), 'utf8'),
    cert: readFileSync(file('cert.pem'), 'utf8'),
    keyFile: file('key.pem'),
    certFile: file('cert.pem'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
