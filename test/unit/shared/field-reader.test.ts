import { expect } from 'chai';
import { parse } from 'yaml';
import { ConfigError } from '../../../shared/config/config-error.js';
import { FieldReader } from '../../../shared/config/field-reader.js';
import { hostPortProblem } from '../../../shared/validation/host-port.js';
import { nodeNameProblem } from '../../../shared/validation/node-name.js';

/** Reads `yaml` with `read` and returns the problems as messages. */
function problemsOf(yaml: string, read: (r: FieldReader) => void): string[] {
  const r = FieldReader.document(parse(yaml) as unknown);
  read(r);
  return r.problems.map((p) => p.message);
}

describe('shared config field reader', () => {
  const DOC = `
name: node-1
enabled: false
passes: 3
timeout: 1m30s
seconds: 20
nodes: [node-1, node-2]
gates:
  etcd: { enabled: true, env: { ETCDCTL_API: "3" } }
webhooks:
  - { url: "https://a.example/x" }
  - { url: "https://b.example/y" }
`;

  it('reads typed values with their path, taking fallbacks for missing and null fields', () => {
    const r = FieldReader.document(parse(DOC + 'empty: null\n') as unknown);
    expect(r.string('name', 'x', nodeNameProblem)).to.equal('node-1');
    expect(r.string('missing', 'fallback')).to.equal('fallback');
    expect(r.string('empty', 'fallback')).to.equal('fallback');
    expect(r.boolean('enabled', true)).to.equal(false);
    expect(r.integer('passes', 1, 1, 100)).to.equal(3);
    expect(r.duration('timeout', 0)).to.equal(90_000);
    expect(r.duration('seconds', 0)).to.equal(20_000);
    expect(r.duration('missing', 5000)).to.equal(5000);
    expect(r.list('nodes', [], nodeNameProblem)).to.deep.equal(['node-1', 'node-2']);
    const etcd = r.section('gates', ['etcd']).section('etcd', ['enabled', 'env']);
    expect(etcd.path).to.equal('gates.etcd');
    expect(etcd.boolean('enabled', false)).to.equal(true);
    expect(etcd.env('env', { DEFAULT: '1' })).to.deep.equal({ DEFAULT: '1', ETCDCTL_API: '3' });
    expect(r.sections('webhooks', ['url']).map((w) => [w.path, w.requiredString('url')])).to.deep.equal([
      ['webhooks[0]', 'https://a.example/x'],
      ['webhooks[1]', 'https://b.example/y'],
    ]);
    expect(r.section('absent').path).to.equal('absent');
    const commands = FieldReader.document(parse('abs: [/usr/bin/etcdctl, cluster-health]\nbare: [etcdctl]\nnone: []\n') as unknown);
    expect(commands.argv('abs', [])).to.deep.equal(['/usr/bin/etcdctl', 'cluster-health']);
    expect(commands.argv('bare', [])).to.deep.equal(['etcdctl']);
    expect(commands.argv('none', ['x']), 'an empty command that may be empty: no command').to.deep.equal([]);
    expect(commands.argv('missing', ['x'])).to.deep.equal(['x']);
    expect(commands.problems).to.deep.equal([]);
    expect(r.problems).to.deep.equal([]);
  });

  const refused: [what: string, yaml: string, read: (r: FieldReader) => unknown, message: string][] = [
    ['an unknown key, with a suggestion', 'Name: x\n', (r) => r.only(['name', 'agent']), 'Name: unknown field (did you mean "name"?); allowed: name, agent'],
    ['an unknown nested key', 'gates: { etcd: { enabld: true } }\n', (r) => r.section('gates').section('etcd', ['enabled']), 'gates.etcd.enabld: unknown field (did you mean "enabled"?); allowed: enabled'],
    ['a section that is not a mapping', 'gates: [1]\n', (r) => r.section('gates'), 'gates: must be a mapping, got a list'],
    ['a string of the wrong type', 'name: 5\n', (r) => r.string('name', ''), 'name: must be a string, got number 5'],
    ['a string its rule refuses', 'name: "n1;reboot"\n', (r) => r.string('name', '', nodeNameProblem), 'name: "n1;reboot" is not a Kubernetes node name (lowercase letters, digits, "-" and ".")'],
    ['a string with control characters', 'name: "a\\u001bb"\n', (r) => r.string('name', ''), 'name: contains control characters (NUL, line break, escape…)'],
    ['a missing required string', '{}\n', (r) => r.requiredString('name'), 'name: is required'],
    ['a choice that is not one', 'format: xml\n', (r) => r.oneOf('format', 'json', ['json', 'text']), 'format: "xml" must be one of json, text'],
    ['a boolean of the wrong type', 'enabled: "yes"\n', (r) => r.boolean('enabled', true), 'enabled: must be true or false, got the string "yes"'],
    ['a fractional integer', 'passes: 1.5\n', (r) => r.integer('passes', 1, 1, 10), 'passes: must be a whole number, got number 1.5'],
    ['an integer out of range', 'passes: 0\n', (r) => r.integer('passes', 1, 1, 10), 'passes: must be between 1 and 10, got 0'],
    ['a bad duration', 'timeout: soon\n', (r) => r.duration('timeout', 0), 'timeout: "soon" is not a duration (examples: 30s, 10m, 1h30m, 500ms)'],
    ['a duration below its minimum', 'timeout: 10ms\n', (r) => r.duration('timeout', 1000, 100), 'timeout: must be at least 100 ms'],
    ['a duration of the wrong type', 'timeout: [1]\n', (r) => r.duration('timeout', 0), 'timeout: must be a duration such as 30s or 10m, got a list'],
    ['a list that is a string', 'nodes: node-1\n', (r) => r.list('nodes', []), 'nodes: must be a list of strings, got the string "node-1"'],
    ['a list entry its rule refuses', 'nodes: ["a:1", "x:1:2"]\n', (r) => r.list('nodes', [], hostPortProblem), 'nodes[1]: "x:1:2" must be host:port (e.g. 0.0.0.0:7443 or [::1]:7443)'],
    ['a list entry of the wrong type', 'nodes: [a, {b: 1}]\n', (r) => r.list('nodes', []), 'nodes[1]: must be a string, got a mapping'],
    ['an empty list that must not be', 'nodes: []\n', (r) => r.list('nodes', ['x'], undefined, { nonEmpty: true }), 'nodes: must not be empty'],
    ['a list that is too long', 'nodes: [a, b, c]\n', (r) => r.list('nodes', [], undefined, { max: 2 }), 'nodes: has 3 entries; at most 2'],
    ['a list entry that is not a mapping', 'webhooks: [x]\n', (r) => r.sections('webhooks'), 'webhooks[0]: must be a mapping, got the string "x"'],
    ['a bad environment variable name', 'env: { "A-B": x }\n', (r) => r.env('env'), 'env.A-B: is not a valid environment variable name'],
    ['an environment value with a line break', 'env: { A: "x\\ny" }\n', (r) => r.env('env'), 'env.A: contains control characters (NUL, line break, escape…)'],
    ['a key with a typo, with a suggestion', 'grcp: {}\n', (r) => r.only(['grpc', 'tls']), 'grcp: unknown field (did you mean "grpc"?); allowed: grpc, tls'],
    ['a command as a shell string', 'cmd: "etcdctl cluster-health"\n', (r) => r.argv('cmd', []), 'cmd: must be a list (argv), e.g. [etcdctl, cluster-health]; commands never go through a shell'],
    ['an empty argument', 'cmd: [etcdctl, ""]\n', (r) => r.argv('cmd', []), 'cmd[1]: must not be empty (an empty argument is passed on as one)'],
    ['a program as a relative path', 'cmd: [bin/etcdctl]\n', (r) => r.argv('cmd', []), 'cmd[0]: "bin/etcdctl" must be an absolute path or a name looked up in PATH'],
    ['an empty command that is required', 'cmd: []\n', (r) => r.argv('cmd', ['x'], { required: true }), 'cmd: must not be empty: name a program and its arguments'],
    ['a document that is not a mapping', '- a\n', () => undefined, '(document): must be a mapping of settings, got a list'],
  ];
  for (const [what, yaml, read, message] of refused) {
    it(`reports ${what}, naming the field`, () => {
      expect(problemsOf(yaml, read)).to.deep.equal([message]);
    });
  }

  it('gives the fallback for a refused value and goes on reading', () => {
    const r = FieldReader.document(parse('passes: 0\nname: node-1\n') as unknown);
    expect(r.integer('passes', 3, 1, 10)).to.equal(3);
    expect(r.string('name', '')).to.equal('node-1');
    expect(r.problems).to.have.length(1);
  });

  it('throws every problem at once as a ConfigError naming the source', () => {
    const r = FieldReader.document(parse('passes: 0\nname: 5\n') as unknown);
    r.integer('passes', 3, 1, 10);
    r.section('gates').string('x', '');
    r.string('name', '');
    let error: unknown;
    try {
      r.throwIfProblems('x.yaml');
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.field)).to.deep.equal(['passes', 'name']);
    expect((error as ConfigError).message).to.equal('invalid configuration in x.yaml:\n  - passes: must be between 1 and 10, got 0\n  - name: must be a string, got number 5');
    expect(() => FieldReader.document(parse('passes: 2\n') as unknown).throwIfProblems('x.yaml')).not.to.throw();
  });
});
