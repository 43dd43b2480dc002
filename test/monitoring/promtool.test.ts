import { expect } from 'chai';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { AgentMetrics } from '../../agent/http/agent-metrics.js';
import { projectRoot } from '../../shared/agent-api/codegen.js';
import { UPDATE_PHASES } from '../../shared/update/update-phase.js';
import { runPromtool } from './promtool-check.js';

/**
 * monitoring/: the Prometheus scrape config and alert rules pass promtool (check config, check
 * rules, the rule unit tests in monitoring/tests), and the rules only name metrics and phases the
 * agent really exposes.
 */

const MONITORING = join(projectRoot, 'monitoring');

async function promtool(args: string[], cwd = MONITORING): Promise<string> {
  const r = await runPromtool(args, { cwd });
  const out = `${r.stdout}${r.stderr}`;
  expect(r.exitCode, `promtool ${args.join(' ')}:\n${out}`).to.equal(0);
  return out;
}

interface RuleFile {
  groups: { name: string; rules: { alert: string; expr: string }[] }[];
}

describe('monitoring: Prometheus config and alert rules (promtool)', function () {
  this.timeout(120_000);

  let installed: string | undefined;
  after(async () => {
    if (installed) await rm(installed, { recursive: true, force: true });
  });

  it('promtool check config accepts the scrape config example (with the alert rules it loads)', async () => {
    // As installed in /etc/prometheus: the two files beside each other, the reader certificate in noderoll/
    // (promtool checks that the client certificate files exist).
    installed = await mkdtemp(join(tmpdir(), 'noderoll-prometheus-'));
    for (const f of ['prometheus.yml', 'alerts.yml']) await copyFile(join(MONITORING, f), join(installed, f));
    await mkdir(join(installed, 'noderoll'));
    for (const f of ['ca.crt', 'prometheus.crt', 'prometheus.key']) await writeFile(join(installed, 'noderoll', f), '');
    const out = await promtool(['check', 'config', 'prometheus.yml'], installed);
    expect(out).to.match(/SUCCESS: 5 rules found/);
  });

  it('promtool check rules accepts the alert rules: agent down, stuck in a phase, failed units, journal errors, halted', async () => {
    await promtool(['check', 'rules', 'alerts.yml']);
    const rules = parse(await readFile(join(MONITORING, 'alerts.yml'), 'utf8')) as RuleFile;
    const names = rules.groups.flatMap((g) => g.rules.map((r) => r.alert));
    expect(names).to.deep.equal(['NoderollAgentDown', 'NoderollNodeStuckInPhase', 'NoderollFailedUnitsAfterUpdate', 'NoderollJournalErrorsAfterUpdate', 'NoderollOperationHalted']);
  });

  it('promtool test rules: every alert fires when it should and stays quiet when it should not', async () => {
    const out = await promtool(['test', 'rules', 'tests/alerts.test.yml']);
    expect(out).to.contain('SUCCESS');
    const tests = parse(await readFile(join(MONITORING, 'tests/alerts.test.yml'), 'utf8')) as { tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[] };
    const fired = new Set(tests.tests.flatMap((t) => t.alert_rule_test.filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname)));
    const quiet = new Set(tests.tests.flatMap((t) => t.alert_rule_test.filter((a) => a.exp_alerts.length === 0).map((a) => a.alertname)));
    for (const name of ['NoderollAgentDown', 'NoderollNodeStuckInPhase', 'NoderollFailedUnitsAfterUpdate', 'NoderollJournalErrorsAfterUpdate', 'NoderollOperationHalted']) {
      expect(fired.has(name), `${name} has a firing case`).to.equal(true);
    }
    expect(quiet.size, 'quiet cases').to.be.at.least(4);
  });

  it('the rules name only metrics the agent exposes and phases the coordinator sets', async () => {
    const metrics = new AgentMetrics({
      agentVersion: '0.1.0',
      node: 'n1',
      machineId: 'm',
      bootId: 'b',
      bootTimeUnixMs: 0,
      watchedUnits: async () => [],
      failedUnits: async () => [],
      watchedPackages: async () => [],
      currentOperation: () => undefined,
      updatePhase: () => ({ operationId: 'op-1', phase: 'drainNode', startedUnixMs: 1_000, deadlineMs: 60_000 }),
    });
    const exposed = new Set((await metrics.text()).split('\n').filter((l) => l.startsWith('# TYPE ')).map((l) => l.split(' ')[2]));
    const rules = parse(await readFile(join(MONITORING, 'alerts.yml'), 'utf8')) as RuleFile;
    for (const rule of rules.groups.flatMap((g) => g.rules)) {
      for (const name of rule.expr.match(/noderoll_agent_[a-z_]+/g) ?? []) expect(exposed.has(name), `${rule.alert} uses ${name}`).to.equal(true);
      for (const m of rule.expr.matchAll(/phase=~?"([^"]+)"/g)) {
        for (const phase of (m[1] ?? '').split('|')) expect(UPDATE_PHASES as readonly string[], `${rule.alert}: phase ${phase}`).to.include(phase);
      }
    }
  });
});
