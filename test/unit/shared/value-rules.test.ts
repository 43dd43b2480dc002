import { expect } from 'chai';
import { oneOfProblem, rangeProblem } from '../../../shared/validation/choice.js';
import { parseDuration } from '../../../shared/validation/duration.js';
import { envNameProblem } from '../../../shared/validation/env-name.js';
import { FieldError, showName } from '../../../shared/validation/field-error.js';
import { hostPortProblem, listenAddressProblem, parseHostPort, validateHostPort } from '../../../shared/validation/host-port.js';
import { kubeContextProblem, namespaceProblem } from '../../../shared/validation/kube-names.js';
import { nodeNameProblem } from '../../../shared/validation/node-name.js';
import { absolutePathProblem } from '../../../shared/validation/path.js';
import { plainTextProblem } from '../../../shared/validation/plain-text.js';
import { unitGlobProblem } from '../../../shared/validation/unit-name.js';
import { versionProblem } from '../../../shared/validation/version.js';

/** One rule's accepted values and refused values with the message each gets. */
function rule(name: string, problem: (v: string) => string | undefined, good: string[], bad: [string, RegExp][]): void {
  describe(name, () => {
    it(`accepts ${good.map((g) => JSON.stringify(g)).join(', ')}`, () => {
      for (const v of good) expect(problem(v), v).to.equal(undefined);
    });
    for (const [v, message] of bad) {
      it(`refuses ${JSON.stringify(v).slice(0, 40)}`, () => expect(problem(v)).to.match(message));
    }
  });
}

describe('shared value rules', () => {
  rule('host:port (connect)', (v) => hostPortProblem(v), ['10.0.0.1:7443', 'node-1.example:1', '[::1]:65535', '[fe80::1]:80', 'Node-1:7443'], [
    ['10.0.0.1', /^"10.0.0.1" must be host:port/],
    ['localhost', /^"localhost" must be host:port/],
    ['0.0.0.0:7443;reboot', /must be host:port/],
    ['::1:7443', /must be host:port/],
    ['10.0.0.1:0', /^port 0 is out of range 1\.\.65535$/],
    ['10.0.0.1:70000', /^port 70000 is out of range 1\.\.65535$/],
    ['a..b:80', /^"a..b:80" has no valid host/],
    ['-a:80', /has no valid host/],
    [`${'a'.repeat(254)}:80`, /has no valid host/],
  ]);
  rule('host:port (listen)', listenAddressProblem, ['127.0.0.1:0', '0.0.0.0:7443', '[::]:0'], [['127.0.0.1:99999', /^port 99999 is out of range 0\.\.65535$/]]);

  it('parses host:port into host, port and text (brackets off), and names the field when refusing', () => {
    expect(parseHostPort('[::1]:7443')).to.deep.equal({ host: '::1', port: 7443, text: '[::1]:7443' });
    expect(validateHostPort('--grpc-listen', '127.0.0.1:0', { allowPortZero: true }).port).to.equal(0);
    expect(() => validateHostPort('nodes[0].agent', 'x')).to.throw(FieldError, /^nodes\[0\]\.agent: "x" must be host:port/);
  });

  rule('package version', versionProblem, ['7.0.68', '7.0.67-11709', '1.2.3-rc.1', '1.0~beta+b1', '1.2_3', '7'.repeat(64)], [
    ['', /^must not be empty$/],
    ['7.0.68;reboot', /^"7.0.68;reboot" is not a package version: it has characters a package version cannot have/],
    ['$(id)', /is not a package version/],
    ['--force-all', /^"--force-all" is not a package version: it must start with a digit \(not first "-" or a letter\)$/],
    ['latest', /must start with a digit/],
    ['v1.2.3', /must start with a digit/],
    ['../../x', /is not a package version/],
    ['7.0\n68', /is not a package version/],
    ['\uff17.0.68', /is not a package version/],
    ['7'.repeat(65), /^is 65 characters long; at most 64$/],
  ]);

  rule('Kubernetes node name', (v) => nodeNameProblem(v), ['node-1', '10.0.0.1', 'a', 'worker-1.example.com', 'a'.repeat(253)], [
    ['', /^must not be empty$/],
    ['Node-1', /^"Node-1" is not a Kubernetes node name/],
    ['../etc', /is not a Kubernetes node name/],
    ['a..b', /is not a Kubernetes node name/],
    ['a.-b', /is not a Kubernetes node name/],
    ['a-.b', /is not a Kubernetes node name/],
    ['node-1;reboot', /is not a Kubernetes node name/],
    ['-a', /is not a Kubernetes node name/],
    ['a'.repeat(254), /^is 254 characters long; at most 253$/],
  ]);

  rule('unit-name glob', (v) => unitGlobProblem(v), ['gravity__gravitational*', '*planet[-_]master*', 'kdump.service', 'foo@*.service'], [
    ['', /^must not be empty$/],
    ['../../etc/*', /^"..\/..\/etc\/\*" contains characters that cannot appear in a unit name or a glob, so it is not a unit-name pattern/],
    ['gravity__*;reboot', /cannot appear/],
    ['[[a]]', /nested/],
    ['[abc', /unclosed/],
    ['x'.repeat(256), /^is 256 characters long; at most 255$/],
  ]);

  rule('plain text', (v) => plainTextProblem(v), ['', 'any text, with spaces', 'ünïcode'], [
    ['a\u0000b', /^contains control characters \(NUL, line break, escape…\)$/],
    ['a\nb', /control characters/],
    ['a\rb', /control characters/],
    ['a\tb', /control characters/],
    ['\u001b[31m', /control characters/],
    ['a\u007fb', /control characters/],
    ['x'.repeat(4097), /^is longer than 4096 characters$/],
  ]);

  rule('absolute path', absolutePathProblem, ['/var/lib/noderoll-agent', '/'], [
    ['state', /^"state" must be an absolute path$/],
    ['', /must be an absolute path/],
    ['/var/lib\nx', /must be an absolute path/],
  ]);

  rule('environment variable name', envNameProblem, ['PATH', '_X', 'ETCDCTL_API'], [
    ['A-B', /^is not a valid environment variable name$/],
    ['1A', /is not a valid environment variable name/],
    ['LD_PRELOAD=/x; Y', /is not a valid environment variable name/],
    ['', /is not a valid environment variable name/],
  ]);

  rule('namespace', namespaceProblem, ['kube-system', 'a', 'a'.repeat(63)], [
    ['Kube-System', /^"Kube-System" is not a namespace name$/],
    ['a.b', /is not a namespace name/],
    ['a'.repeat(64), /is not a namespace name/],
  ]);

  rule('kubeconfig context', kubeContextProblem, ['kubernetes-admin@cluster', 'lab'], [
    ['', /^must not be empty$/],
    ['a\u0000b', /^contains control characters/],
    ['x'.repeat(254), /^is longer than 253 characters$/],
  ]);

  rule('one of', (v) => oneOfProblem(v, ['text', 'json']), ['text', 'json'], [['yaml', /^"yaml" must be one of text, json$/]]);

  it('range: accepts the bounds, refuses outside them', () => {
    expect(rangeProblem(1, 1, 10)).to.equal(undefined);
    expect(rangeProblem(10, 1, 10)).to.equal(undefined);
    expect(rangeProblem(0, 1, 10)).to.equal('must be between 1 and 10, got 0');
    expect(rangeProblem(11, 1, 10)).to.equal('must be between 1 and 10, got 11');
  });

  it('durations: units, bare seconds, the cap; refusals quote the value escaped', () => {
    expect(parseDuration('1h30m')).to.equal(5_400_000);
    expect(parseDuration('250ms')).to.equal(250);
    expect(parseDuration('20')).to.equal(20_000);
    expect(parseDuration(1.5)).to.equal(1500);
    expect(parseDuration('8d')).to.match(/is not a duration/);
    expect(parseDuration('200h')).to.equal('must be at most 168h');
    expect(parseDuration(-1)).to.equal('must be a non-negative number of seconds');
    expect(parseDuration('5\u001b[2J')).to.equal('"5\\u001b[2J" is not a duration (examples: 30s, 10m, 1h30m, 500ms)');
  });

  it('names the field, and its line when known, in front of the problem', () => {
    expect(new FieldError('--to', 'must not be empty').message).to.equal('--to: must not be empty');
    expect(new FieldError('pauseBetween', '"soon" is not a duration', 13).message).to.equal('pauseBetween (line 13): "soon" is not a duration');
  });

  it('shows a flag name escaped and unquoted', () => {
    expect(showName('--\u001b[31mred')).to.equal('--\\u001b[31mred');
    expect(showName('--x'.repeat(40))).to.match(/^(--x){20}…$/);
  });
});
