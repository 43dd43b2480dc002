import { expect } from 'chai';
import { flagBoolean, flagList, flagNumber, flagsHelp, flagString, parseFlags, UsageError, type FlagSpec } from '../../../shared/cli/flag-parser.js';
import { FieldError } from '../../../shared/validation/field-error.js';
import { nodeNameProblem } from '../../../shared/validation/node-name.js';
import { versionProblem } from '../../../shared/validation/version.js';

const SPECS: readonly FlagSpec[] = [
  { name: 'to', kind: 'string', value: 'VERSION', help: 'target version', check: versionProblem },
  { name: 'out', kind: 'string', value: 'DIR', help: 'output directory' },
  { name: 'listen', kind: 'string', value: 'H:P', help: 'address; "" turns it off', allowEmpty: true },
  { name: 'yes', short: 'y', kind: 'boolean', help: 'do not ask' },
  { name: 'output', short: 'o', kind: 'string', value: 'FORMAT', help: 'text or json' },
  { name: 'days', kind: 'integer', value: 'N', min: 1, max: 3650, help: 'validity' },
  { name: 'pause', kind: 'duration', value: 'DURATION', help: 'pause' },
  { name: 'nodes', kind: 'list', value: 'NAME[,NAME…]', split: { separator: ',', item: 'node name' }, check: nodeNameProblem, help: 'nodes' },
  { name: 'ip', kind: 'list', value: 'ADDR', maxItems: 2, help: 'addresses' },
];

const parse = (argv: string[], maxPositional = 0) => parseFlags(argv, SPECS, { program: 'noderoll test', maxPositional });

function refusal(argv: string[], maxPositional = 0): UsageError {
  try {
    parse(argv, maxPositional);
  } catch (err) {
    expect(err).to.be.instanceOf(UsageError);
    expect(err).to.be.instanceOf(FieldError);
    return err as UsageError;
  }
  expect.fail(`accepted ${JSON.stringify(argv)}`);
}

describe('shared flag parser', () => {
  it('reads --flag value, --flag=value, -f value, -fvalue and -f=value', () => {
    const f = parse(['--to', '7.0.68', '--out=/tmp/x', '-o', 'json', '-y', '--days', '30', '--pause', '1m30s']);
    expect(flagString(f, 'to')).to.equal('7.0.68');
    expect(flagString(f, 'out')).to.equal('/tmp/x');
    expect(flagString(f, 'output')).to.equal('json');
    expect(flagBoolean(f, 'yes')).to.equal(true);
    expect(flagNumber(f, 'days')).to.equal(30);
    expect(flagNumber(f, 'pause')).to.equal(90_000);
    expect(flagString(parse(['-ojson']), 'output')).to.equal('json');
    expect(flagString(parse(['-o=text']), 'output')).to.equal('text');
  });

  it('reads booleans without a value or with =true/=false, and absent flags as unset', () => {
    expect(flagBoolean(parse(['--yes=false']), 'yes')).to.equal(false);
    expect(flagBoolean(parse(['--yes=true']), 'yes')).to.equal(true);
    const none = parse([]);
    expect(flagBoolean(none, 'yes')).to.equal(false);
    expect(flagString(none, 'to')).to.equal(undefined);
    expect(flagNumber(none, 'days')).to.equal(undefined);
    expect(flagList(none, 'nodes')).to.equal(undefined);
  });

  it('accumulates repeated list flags, splitting at the separator', () => {
    expect(flagList(parse(['--nodes', 'a,b', '--nodes=c']), 'nodes')).to.deep.equal(['a', 'b', 'c']);
    expect(flagList(parse(['--ip', '10.0.0.1', '--ip', '::1']), 'ip')).to.deep.equal(['10.0.0.1', '::1']);
  });

  it('takes "" as a value only where the flag allows it', () => {
    expect(flagString(parse(['--listen', '']), 'listen')).to.equal('');
    expect(refusal(['--out', '']).message).to.equal('--out: must not be empty');
  });

  it('keeps positional arguments up to the limit, and everything after --', () => {
    expect(parse(['a.crt', '--yes'], 1).positional).to.deep.equal(['a.crt']);
    expect(parse(['--', '--yes'], 1).positional).to.deep.equal(['--yes']);
    expect(parse(['-'], 1).positional).to.deep.equal(['-']);
  });

  const refused: [what: string, argv: string[], message: RegExp][] = [
    ['an unknown flag, with a suggestion', ['--too', '1.0'], /^--too: unknown flag for noderoll test \(did you mean --to\?\); see noderoll test --help$/],
    ['an unknown short flag', ['-x'], /^-x: unknown flag for noderoll test/],
    ['a single-dash long flag, with a suggestion', ['-days', '3'], /^-days: unknown flag for noderoll test \(did you mean --days\?\)/],
    ['an unknown flag with a terminal escape, escaped', ['--\u001b[31mred'], /^--\\u001b\[31mred: unknown flag/],
    ['a flag without its value', ['--to'], /^--to: needs a value \(VERSION\)$/],
    ['a value that is a flag', ['--to', '--yes'], /^--to: needs a value/],
    ['a repeated single flag', ['--to', '1.0', '--to', '2.0'], /^--to: given more than once$/],
    ['a repeated boolean', ['-y', '--yes'], /^--yes: given more than once$/],
    ['a value on a switch', ['--yes=maybe'], /^--yes: takes no value or true\/false, got "maybe"$/],
    ['a value with a line break', ['--out', 'a\nb'], /^--out: contains control characters \(NUL, line break, escape…\)$/],
    ['a value with NUL', ['--out=a\u0000'], /^--out: contains control characters \(NUL/],
    ['a value of 1 MB', ['--out', 'x'.repeat(1_000_000)], /^--out: is longer than 4096 characters$/],
    ['a value its rule refuses', ['--to', '7.0;reboot'], /^--to: "7.0;reboot" is not a package version/],
    ['a number that is not whole', ['--days', '1e9'], /^--days: "1e9" must be a whole number$/],
    ['a negative number', ['--days=-1'], /^--days: "-1" must be a whole number$/],
    ['a number out of range', ['--days', '0'], /^--days: must be between 1 and 3650, got 0$/],
    ['a bad duration', ['--pause', '5 minutes'], /^--pause: "5 minutes" is not a duration/],
    ['an empty list item', ['--nodes', 'a,,b'], /^--nodes: "a,,b" has an empty node name \(use a comma-separated list\)$/],
    ['a list item its rule refuses', ['--nodes', 'a,../etc'], /^--nodes: "..\/etc" is not a Kubernetes node name/],
    ['too many list values', ['--ip', 'a', '--ip', 'b', '--ip', 'c'], /^--ip: has 3 values; at most 2$/],
    ['a stray argument', ['node-1'], /^arguments: unexpected argument "node-1": noderoll test takes no arguments, only flags/],
    ['an argument after --', ['--', 'x'], /^arguments: unexpected argument "x"/],
  ];
  for (const [what, argv, message] of refused) {
    it(`refuses ${what}, naming the flag`, () => {
      expect(refusal(argv).message).to.match(message);
    });
  }

  it('refuses more positional arguments than allowed, and control characters in them', () => {
    expect(refusal(['a.crt', 'b.crt'], 1).message).to.match(/^arguments: unexpected argument "b.crt": noderoll test takes at most 1 argument \(/);
    expect(refusal(['a\u001b'], 1).message).to.equal('arguments: contains control characters (NUL, line break, escape…)');
  });

  it('prints help rows with short flags in their own column', () => {
    const help = flagsHelp(SPECS.slice(3, 5), 20);
    expect(help).to.equal('  -y, --yes            do not ask\n  -o, --output FORMAT  text or json');
    expect(flagsHelp(SPECS.slice(0, 2))).to.equal('  --to VERSION  target version\n  --out DIR     output directory');
    expect(flagsHelp([{ name: 'check', kind: 'boolean', help: 'first line\nsecond line' }])).to.equal('  --check  first line\n           second line');
  });
});
