import {
  asksForHelp,
  CommandLineError,
  commandHelp,
  parseCommandLine,
  secretSpellings,
  type CommandSpec,
} from '../../../src/cli/command-line';

const SPEC: CommandSpec = {
  name: 'demo',
  summary: 'a command for the test',
  usage: ['[options] <file>'],
  options: [
    { name: 'count', type: 'string', value: 'N', help: 'how many\nat most' },
    { name: 'header', short: 'H', type: 'string', value: 'NAME:VALUE', multiple: true, secret: true, help: 'a header' },
    { name: 'hash', type: 'boolean', negated: true, help: 'skip hashing' },
    { name: 'json', type: 'boolean', help: 'a JSON line' },
  ],
};

function refusal(argv: readonly string[]): string {
  try {
    parseCommandLine(SPEC, argv);
  } catch (error) {
    expect(error).toBeInstanceOf(CommandLineError);
    return (error as Error).message;
  }
  throw new Error(`accepted ${argv.join(' ')}`);
}

describe('parseCommandLine', () => {
  it('reads long and short options, negations, repeats and positionals', () => {
    const { values, positionals } = parseCommandLine(SPEC, ['--count', '3', '-H', 'a: 1', '--header=b: 2', '--no-hash', 'in.txt']);
    expect(values).toMatchObject({ count: '3', header: ['a: 1', 'b: 2'], hash: false });
    expect(positionals).toEqual(['in.txt']);
  });

  it('takes a value that starts with a dash as the value (the option then checks it)', () => {
    expect(parseCommandLine(SPEC, ['--count', '-5', 'f']).values['count']).toBe('-5');
  });

  it.each([
    [['--bogus', 'f'], 'unknown option --bogus (see fanout demo --help)'],
    [['--no-count', 'f'], 'unknown option --no-count (see fanout demo --help)'],
    [['-q', 'f'], 'unknown option -q (see fanout demo --help)'],
    [['--count'], '--count expects a value (N)'],
    [['--count', '--json', 'f'], '--count expects a value (N)'],
    [['--count', '-H', 'x'], '--count expects a value (N)'],
    [['--json=yes', 'f'], '--json takes no value, got yes'],
  ])('refuses %j in our words', (argv, message) => {
    expect(refusal(argv)).toBe(message);
  });

  it('knows --help and -h as options, not as values', () => {
    expect(asksForHelp(SPEC, ['f', '-h'])).toBe(true);
    expect(asksForHelp(SPEC, ['--bogus', '--help'])).toBe(true);
    expect(asksForHelp(SPEC, ['--', '--help'])).toBe(false);
    expect(asksForHelp(SPEC, ['f'])).toBe(false);
  });
});

describe('commandHelp', () => {
  it('lists every option with its value, continuation lines aligned, and the help option', () => {
    expect(commandHelp(SPEC)).toBe(
      [
        'usage: fanout demo [options] <file>',
        '',
        'a command for the test',
        '',
        'options:',
        '  --count N              how many',
        '                         at most',
        '  -H, --header NAME:VALUE',
        '                         a header',
        '  --no-hash              skip hashing',
        '  --json                 a JSON line',
        '  -h, --help             this help',
      ].join('\n'),
    );
  });

  it('names how secret options are spelled', () => {
    expect([...secretSpellings(SPEC)]).toEqual(['--header', '-H']);
  });
});
