import { expect } from 'chai';
import { parseConfigText } from '../../../coordinator/config/load-config.js';
import { ConfigError } from '../../../shared/config/config-error.js';
import { makeRealServices, silentLogger } from '../../../coordinator/cli/services.js';
import { systemClock } from '../../../coordinator/ports/clock.js';

const MINIMAL = `
nodes:
  - name: 10.0.0.1
    agent: 10.0.0.1:7443
agents:
  insecurePlaintext: true
`;

function problemsOf(text: string): { field: string; problem: string }[] {
  try {
    parseConfigText(text, '/etc/noderoll/config.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => ({ field: p.field, problem: p.problem }));
    throw err;
  }
  throw new Error('config was accepted');
}

describe('coordinator config: blockers (gates.alerts, gates.blockingPods)', () => {
  it('no alerts gate and no blocking pods unless configured', () => {
    const c = parseConfigText(MINIMAL, '/c.yaml');
    expect(c.gates.alerts).to.equal(undefined);
    expect(c.gates.blockingPods).to.deep.equal([]);
  });

  it('gates.alerts with its defaults: firing only, 10 s, no filter', () => {
    const c = parseConfigText(MINIMAL + 'gates: { alerts: { url: "http://prometheus.monitoring:9090" } }\n', '/c.yaml');
    expect(c.gates.alerts).to.deep.equal({ url: 'http://prometheus.monitoring:9090', ignore: [], firingOnly: true, timeoutMs: 10_000 });
  });

  it('gates.alerts and gates.blockingPods as written', () => {
    const c = parseConfigText(
      MINIMAL + 'gates:\n  alerts: { url: "https://prom/p", filter: "severity=\\"critical\\"", ignore: ["^Watchdog$"], firingOnly: false, timeout: 3s }\n  blockingPods: ["app=backup", "job-name in (etcd-backup, velero), !done"]\n',
      '/c.yaml',
    );
    expect(c.gates.alerts).to.deep.equal({ url: 'https://prom/p', filter: 'severity="critical"', ignore: ['^Watchdog$'], firingOnly: false, timeoutMs: 3000 });
    expect(c.gates.blockingPods).to.deep.equal(['app=backup', 'job-name in (etcd-backup, velero), !done']);
  });

  const bad: [string, string, string, RegExp][] = [
    ['an alerts gate without url', 'gates: { alerts: { filter: x } }', 'gates.alerts.url', /is required/],
    ['a url that is not http', 'gates: { alerts: { url: "ftp://prom:21" } }', 'gates.alerts.url', /http or https/],
    ['a url that is not a URL', 'gates: { alerts: { url: "not a url" } }', 'gates.alerts.url', /not a URL/],
    ['a url with a query', 'gates: { alerts: { url: "http://prom:9090/?x=1" } }', 'gates.alerts.url', /without a query/],
    ['a url with a password', 'gates: { alerts: { url: "http://u:p@prom:9090" } }', 'gates.alerts.url', /user name or password/],
    ['a filter that is not a regexp', 'gates: { alerts: { url: "http://p", filter: "(unclosed" } }', 'gates.alerts.filter', /not a valid regular expression/],
    ['an ignore entry that is not a regexp', 'gates: { alerts: { url: "http://p", ignore: ["ok", "[z-a]"] } }', 'gates.alerts.ignore[1]', /not a valid regular expression/],
    ['firingOnly not a boolean', 'gates: { alerts: { url: "http://p", firingOnly: "yes" } }', 'gates.alerts.firingOnly', /true or false/],
    ['an unknown alerts field', 'gates: { alerts: { url: "http://p", labels: x } }', 'gates.alerts.labels', /unknown field/],
    ['a timeout under 100 ms', 'gates: { alerts: { url: "http://p", timeout: 10ms } }', 'gates.alerts.timeout', /at least 100 ms/],
    ['blockingPods not a list', 'gates: { blockingPods: "app=backup" }', 'gates.blockingPods', /list/],
    ['an empty selector (every pod)', 'gates: { blockingPods: [""] }', 'gates.blockingPods[0]', /must not be empty/],
    ['a selector with shell syntax', 'gates: { blockingPods: ["app=backup; reboot"] }', 'gates.blockingPods[0]', /"app=backup; reboot" is not a label requirement/],
    ['a selector with a bad key', 'gates: { blockingPods: ["-app=x"] }', 'gates.blockingPods[0]', /label key "-app"/],
    ['a set selector without values', 'gates: { blockingPods: ["app in ()"] }', 'gates.blockingPods[0]', /at least one value/],
    ['unbalanced parentheses', 'gates: { blockingPods: ["app in (a,b"] }', 'gates.blockingPods[0]', /unbalanced parentheses/],
    ['a trailing comma', 'gates: { blockingPods: ["app=a,"] }', 'gates.blockingPods[0]', /empty requirement/],
  ];
  for (const [what, yaml, field, message] of bad) {
    it(`refuses ${what}, naming ${field}`, () => {
      const found = problemsOf(MINIMAL + yaml + '\n');
      const hit = found.find((p) => p.field === field);
      expect(hit, `no problem at ${field}: ${JSON.stringify(found)}`).to.not.equal(undefined);
      expect(hit!.problem).to.match(message);
    });
  }

  it('accepts the selector forms kubectl -l takes', () => {
    const selectors = ['app=backup', 'app==backup', 'tier!=web', 'example.com/role=backup', 'env in (prod,qa)', 'env notin (dev)', 'backup', '!done', 'a=,b', 'app.kubernetes.io/name=velero,app.kubernetes.io/component in (backup)'];
    const c = parseConfigText(MINIMAL + `gates: { blockingPods: ${JSON.stringify(selectors)} }\n`, '/c.yaml');
    expect(c.gates.blockingPods).to.deep.equal(selectors);
  });

  it('the configured blockers are ordinary gates: in the list every gate check (before each node, each soak pass) runs', () => {
    const names = (yaml: string): string[] => {
      const services = makeRealServices(parseConfigText(MINIMAL + yaml, '/c.yaml'), silentLogger, { clock: systemClock, connectAgent: undefined });
      try {
        return services.gates.map((g) => g.name);
      } finally {
        services.close();
      }
    };
    expect(names('')).to.not.include.members(['alerts']).and.not.include('blockingPods');
    expect(names('gates: { alerts: { url: "http://127.0.0.1:9090" }, blockingPods: [app=backup] }\n')).to.include.members(['alerts', 'blockingPods']);
  });
});
