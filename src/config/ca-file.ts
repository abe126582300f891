import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { ConfigError } from '../errors';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** True when `text` holds at least one PEM certificate block. */
export function hasPemCertificate(text: string): boolean {
  PEM_CERTIFICATE.lastIndex = 0;
  return PEM_CERTIFICATE.test(text);
}

/**
 * Reads a file of PEM CA certificates to trust besides the default roots (the
 * CLI's `--ca`, the pipeline's `FANOUT_CA_FILE`). Every certificate in it must
 * parse: a file that cannot be read, holds none, or holds a broken one is refused
 * with a {@link ConfigError} naming the setting and the path, before any request.
 *
 * @param label the setting as the user typed it, for the message
 */
export function readCaFile(path: string, label: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `Expected \`${label}\` to be a readable file, got \`${path}\` (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`,
    );
  }
  const blocks = text.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) {
    throw new ConfigError(`Expected \`${label}\` to be a file of PEM certificates, got \`${path}\` (no -----BEGIN CERTIFICATE----- in it)`);
  }
  blocks.forEach((block, i) => {
    try {
      new X509Certificate(block);
    } catch {
      throw new ConfigError(
        `Expected \`${label}\` to be a file of PEM certificates, got \`${path}\` (certificate ${i + 1} does not parse)`,
      );
    }
  });
  return text;
}
