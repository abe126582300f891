/**
 * Commands and their options as data: one table per command gives both how its
 * arguments parse and what its `--help` says, so an option cannot be accepted and
 * left out of the help, or the other way round. Adding a flag is adding a row.
 *
 * Parsing is node:util's `parseArgs` in its lenient mode, checked here token by
 * token so that every refusal is a one-line message in our words (Node's own
 * strict-mode messages run over lines and suggest `--per-host=-XYZ`).
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../errors';

/** One option of a command: how it parses and how its help reads. */
export interface OptionSpec {
  /** The long name, without dashes: `per-host`. */
  readonly name: string;
  /** A one-letter alias, without its dash: `X` for `-X`. */
  readonly short?: string;
  readonly type: 'string' | 'boolean';
  /** What the value looks like in the help (`N`, `FILE`); string options only. */
  readonly value?: string;
  /** May be given more than once; the values are collected in order. */
  readonly multiple?: boolean;
  /** On by default: the help shows `--no-NAME`, which turns it off. */
  readonly negated?: boolean;
  /** The help text; `\n` starts a continuation line. */
  readonly help: string;
  /**
   * Its values may be secrets (a request header's): never repeated back, not even in
   * the command line a stopped `fanout fetch` prints for `--resume`.
   */
  readonly secret?: boolean;
}

/** A subcommand as the help and the parser see it. */
export interface CommandSpec {
  /** `fetch`, as typed after `fanout`. */
  readonly name: string;
  /** One line for the command list of `fanout --help`. */
  readonly summary: string;
  /** What follows `fanout NAME` on the usage line; each entry is one form of the command. */
  readonly usage: readonly string[];
  readonly options: readonly OptionSpec[];
  /** A paragraph printed after the options (exit codes, examples), if any. */
  readonly notes?: string;
}

/** What a command line parsed to: option values by long name, then the positional arguments. */
export interface CommandLine {
  readonly values: Readonly<Record<string, string | boolean | string[] | undefined>>;
  readonly positionals: readonly string[];
}

/**
 * A usage error about the command line itself (an unknown option, a missing
 * argument): the CLI prints the command's usage line under the message.
 */
export class CommandLineError extends UsageError {}

const HELP_OPTION: OptionSpec = { name: 'help', short: 'h', type: 'boolean', help: 'this help' };

/** Column where option help starts. */
const HELP_COLUMN = 25;

/**
 * Parses `argv` by `spec`'s options. Throws {@link CommandLineError} for an unknown
 * option, a missing value, or a value given to a switch.
 */
export function parseCommandLine(spec: CommandSpec, argv: readonly string[]): CommandLine {
  const { values, positionals, tokens } = tokenize(spec, argv);
  const known = new Map(spec.options.map((option) => [option.name, option]));
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const option = known.get(token.name);
    const negative = token.rawName.startsWith('--no-');
    const spelled = token.rawName.startsWith('--') || token.rawName === `-${option?.short ?? ''}`;
    if (option === undefined || (negative && option.type !== 'boolean') || !spelled) {
      throw new CommandLineError(`unknown option ${token.rawName} (see fanout ${spec.name} --help)`);
    }
    if (option.type === 'boolean') {
      if (token.value !== undefined) throw new CommandLineError(`${token.rawName} takes no value, got ${token.value}`);
      continue;
    }
    // `--out --json`: the next argument is one of our options, not a value.
    const value =
      token.inlineValue === true ? token.value : token.value !== undefined && isOptionName(known, token.value) ? undefined : token.value;
    if (value === undefined) throw new CommandLineError(`${token.rawName} expects a value (${option.value ?? 'TEXT'})`);
  }
  return { values, positionals };
}

/** True when the command line asks for the command's help (`--help` or `-h` as an option, not as a value). */
export function asksForHelp(spec: CommandSpec, argv: readonly string[]): boolean {
  return tokenize(spec, argv).tokens.some((token) => token.kind === 'option' && (token.rawName === '--help' || token.rawName === '-h'));
}

/** How the options marked `secret` are spelled on a command line: `--header`, `-H`. */
export function secretSpellings(spec: CommandSpec): ReadonlySet<string> {
  return new Set(
    spec.options
      .filter((option) => option.secret === true)
      .flatMap((option) => [`--${option.name}`, ...(option.short === undefined ? [] : [`-${option.short}`])]),
  );
}

/** `usage: fanout fetch [options] <file|->`, one line per form of the command. */
export function usageLines(spec: CommandSpec): string {
  return spec.usage.map((form, i) => `${i === 0 ? 'usage:' : '   or:'} fanout ${spec.name} ${form}`).join('\n');
}

/** The command's full help: usage, summary, every option, notes. */
export function commandHelp(spec: CommandSpec): string {
  const rows = [...spec.options, HELP_OPTION].map((option) => {
    const long = `--${option.negated === true ? 'no-' : ''}${option.name}${option.type === 'string' ? ` ${option.value ?? 'TEXT'}` : ''}`;
    const shown = option.short === undefined ? long : `-${option.short}, ${long}`;
    const [first, ...more] = option.help.split('\n');
    const lead =
      shown.length < HELP_COLUMN - 3 ? `  ${shown.padEnd(HELP_COLUMN - 2)}${first}` : `  ${shown}\n${' '.repeat(HELP_COLUMN)}${first}`;
    return [lead, ...more.map((line) => `${' '.repeat(HELP_COLUMN)}${line}`)].join('\n');
  });
  return [usageLines(spec), '', spec.summary, '', 'options:', ...rows, ...(spec.notes === undefined ? [] : ['', spec.notes])].join('\n');
}

function tokenize(spec: CommandSpec, argv: readonly string[]) {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {};
  for (const option of [HELP_OPTION, ...spec.options]) {
    options[option.name] = {
      type: option.type,
      ...(option.multiple === true ? { multiple: true } : {}),
      ...(option.short === undefined ? {} : { short: option.short }),
    };
  }
  return parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, allowNegative: true, tokens: true });
}

function isOptionName(known: ReadonlyMap<string, OptionSpec>, text: string): boolean {
  if (text === '--help' || text === '-h') return true;
  if (/^-[A-Za-z]$/.test(text)) return [...known.values()].some((option) => option.short === text.slice(1));
  if (!text.startsWith('--')) return false;
  const name = text.slice(2).split('=')[0] as string;
  return known.has(name) || (name.startsWith('no-') && known.get(name.slice(3))?.type === 'boolean');
}
