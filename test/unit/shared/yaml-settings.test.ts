import { expect } from 'chai';
import { ConfigError } from '../../../shared/config/config-error.js';
import { locateProblems, parseYamlSettings } from '../../../shared/config/yaml-settings.js';
import { FieldError } from '../../../shared/validation/field-error.js';

function refusal(text: string): FieldError[] {
  try {
    parseYamlSettings(text, 'x.yaml');
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  expect.fail('accepted');
}

describe('shared YAML settings file', () => {
  const TEXT = 'a: 1\ngates:\n  etcd:\n    timeout: soon\n    command:\nnodes:\n  - name: n1\n  - name: n2\n    agent: x\n';

  it('reads a mapping and finds the line of a field, or of its nearest parent', () => {
    const s = parseYamlSettings(TEXT, 'x.yaml');
    expect(s.value).to.deep.equal({ a: 1, gates: { etcd: { timeout: 'soon', command: null } }, nodes: [{ name: 'n1' }, { name: 'n2', agent: 'x' }] });
    expect(s.lineOf('a')).to.equal(1);
    expect(s.lineOf('gates.etcd.timeout')).to.equal(4);
    expect(s.lineOf('gates.etcd.command')).to.equal(5);
    expect(s.lineOf('nodes[1].agent')).to.equal(9);
    expect(s.lineOf('nodes[1].role')).to.equal(8);
    expect(s.lineOf('missing')).to.equal(undefined);
  });

  it('reads an empty file as an empty mapping (every default)', () => {
    expect(parseYamlSettings('', 'x.yaml').value).to.deep.equal({});
    expect(parseYamlSettings('# only a comment\n', 'x.yaml').value).to.deep.equal({});
  });

  it('adds lines to problems and sorts them in file order', () => {
    const s = parseYamlSettings(TEXT, 'x.yaml');
    const located = locateProblems([new FieldError('nodes[1].agent', 'bad'), new FieldError('gates.etcd.timeout', 'bad'), new FieldError('--to', 'bad')], s);
    expect(located.map((p) => p.message)).to.deep.equal(['gates.etcd.timeout (line 4): bad', 'nodes[1].agent (line 9): bad', '--to: bad']);
  });

  const refused: [what: string, text: string, message: RegExp][] = [
    ['malformed YAML, with its line', 'nodes: [\n  {name: a\n', /^\(file\) \(line \d+\): not valid YAML: /],
    ['duplicate keys', 'a: 1\na: 2\n', /^\(file\) \(line 2\): not valid YAML: .*unique/i],
    ['an alias bomb', 'a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n', /^\(file\): cannot be read as settings: .*alias/i],
    ['a list', '- a\n- b\n', /^\(file\): must be a YAML mapping of settings, got a list$/],
    ['a scalar', 'just text', /^\(file\): must be a YAML mapping of settings, got the string "just text"$/],
    ['NUL bytes', 'a: x\u0000', /^\(file\): contains NUL bytes; not a text file$/],
  ];
  for (const [what, text, message] of refused) {
    it(`refuses ${what}`, () => expect(refusal(text)[0]?.message).to.match(message));
  }
});
