import { expect } from 'chai';
import { parseAgentConfig } from '../../agent/config/agent-config.js';
import { judgePlanetCheck, runPlanetChecks } from '../../agent/node/planet-checks.js';
import { EtcdHealthCommandReader } from '../../coordinator/cluster/etcd-health.js';
import { EtcdHealthGate } from '../../coordinator/gates/cluster-gates.js';
import { CommandError, type CommandResult, type CommandSpec } from '../../shared/exec/command-runner.js';
import { parseClusterHealthV2, parseEndpointHealthV3 } from '../../shared/etcd/cluster-health.js';
import * as cap from './fixtures/etcdctl-3.4-captures.js';

/** The stopped member of the captures (degraded: one member down). */
const DOWN_ID = 'f451ec146d05b3dd';
const DOWN_URL = 'http://127.0.0.1:48059';

/**
 * etcd <= 3.2 `cluster-health`: the same member lines, but the summary says healthy and the exit code
 * is 0 when ANY member is healthy (etcdctl/ctlv2/command/cluster_health.go of v3.2). Derived from the
 * real 3.4 degraded capture by putting back the 3.2 verdict.
 */
const V2_ETCD_3_2_DEGRADED: cap.EtcdctlCapture = { ...cap.V2_DEGRADED, stdout: cap.V2_DEGRADED.stdout.replace('cluster is degraded', 'cluster is healthy'), exitCode: 0 };

function replay(c: cap.EtcdctlCapture) {
  const seen: CommandSpec[] = [];
  const run = async (spec: CommandSpec): Promise<CommandResult> => {
    seen.push(spec);
    const r: CommandResult = { command: [spec.file, ...spec.args].join(' '), exitCode: c.exitCode, signal: null, stdout: c.stdout, stderr: c.stderr, truncated: false, durationMs: 1 };
    if (!(spec.okExitCodes ?? [0]).includes(c.exitCode)) throw new CommandError('exit', r);
    return r;
  };
  return { run, seen };
}

describe('etcd outputs captured from a real etcd 3.4.23 cluster', () => {
  describe('v3 text form of `endpoint health` (etcdctl 3.4 prints it to stderr)', () => {
    it('healthy: every endpoint line says healthy, exit 0', () => {
      const r = parseEndpointHealthV3(cap.V3_HEALTHY_TEXT.stdout, cap.V3_HEALTHY_TEXT.exitCode, cap.V3_HEALTHY_TEXT.stderr);
      expect(r.problems).to.deep.equal([]);
      expect(r.healthy).to.equal(true);
      expect(r.endpoints).to.have.length(3);
    });

    it('degraded: the summary names the unhealthy endpoint and its error', async () => {
      const r = parseEndpointHealthV3(cap.V3_DEGRADED_TEXT.stdout, cap.V3_DEGRADED_TEXT.exitCode, cap.V3_DEGRADED_TEXT.stderr);
      expect(r.healthy).to.equal(false);
      expect(r.problems).to.deep.equal([`endpoint ${DOWN_URL} is unhealthy: failed to commit proposal: context deadline exceeded`]);
      // What the operator sees from the coordinator's gate: the summary names it, not only the evidence.
      const verdict = await new EtcdHealthGate(new EtcdHealthCommandReader({ argv: ['etcdctl', 'endpoint', 'health', '--cluster'], format: 'v3', timeoutMs: 1000, runner: replay(cap.V3_DEGRADED_TEXT).run })).check();
      expect(verdict.passed).to.equal(false);
      expect(verdict.summary).to.equal(`endpoint ${DOWN_URL} is unhealthy: failed to commit proposal: context deadline exceeded`);
    });

    it('quorum lost: every endpoint is named', () => {
      const r = parseEndpointHealthV3(cap.V3_UNAVAILABLE_TEXT.stdout, cap.V3_UNAVAILABLE_TEXT.exitCode, cap.V3_UNAVAILABLE_TEXT.stderr);
      expect(r.healthy).to.equal(false);
      expect(r.problems).to.have.length(3);
      expect(r.problems.every((p) => /^endpoint http:\/\/127\.0\.0\.1:\d+ is unhealthy: failed to commit proposal/.test(p))).to.equal(true);
    });

    it('all members down: says the member list could not be fetched, with etcdctl\'s error and not its log lines', () => {
      const r = parseEndpointHealthV3(cap.V3_DOWN_TEXT.stdout, cap.V3_DOWN_TEXT.exitCode, cap.V3_DOWN_TEXT.stderr);
      expect(r.healthy).to.equal(false);
      expect(r.problems).to.deep.equal([
        'etcdctl endpoint health printed nothing: the member list could not be fetched (exit code 1): Error: failed to fetch endpoints from etcd cluster member list: context deadline exceeded',
      ]);
    });
  });

  describe('v3 JSON form', () => {
    it('healthy, degraded and quorum lost', () => {
      expect(parseEndpointHealthV3(cap.V3_HEALTHY_JSON.stdout, 0, cap.V3_HEALTHY_JSON.stderr).healthy).to.equal(true);
      const degraded = parseEndpointHealthV3(cap.V3_DEGRADED_JSON.stdout, cap.V3_DEGRADED_JSON.exitCode, cap.V3_DEGRADED_JSON.stderr);
      expect(degraded.problems).to.deep.equal([`endpoint ${DOWN_URL} is unhealthy: context deadline exceeded`]);
      expect(parseEndpointHealthV3(cap.V3_UNAVAILABLE_JSON.stdout, 1, cap.V3_UNAVAILABLE_JSON.stderr).problems).to.have.length(3);
    });
  });

  describe('v2 cluster-health', () => {
    it('healthy, degraded (exit 5), quorum lost (exit 5) and members not listable (exit 4)', () => {
      expect(parseClusterHealthV2(cap.V2_HEALTHY.stdout, 0, cap.V2_HEALTHY.stderr).healthy).to.equal(true);
      const degraded = parseClusterHealthV2(cap.V2_DEGRADED.stdout, 5);
      expect(degraded.healthy).to.equal(false);
      expect(degraded.problems[0]).to.match(new RegExp(`^member ${DOWN_ID} is unreachable: .*connection refused\\)$`));
      expect(parseClusterHealthV2(cap.V2_UNAVAILABLE.stdout, 5).problems).to.include('etcdctl reports cluster is unavailable');
      const down = parseClusterHealthV2(cap.V2_DOWN.stdout, 4, cap.V2_DOWN.stderr);
      expect(down.problems[0]).to.match(/^etcd members could not be listed \(etcdctl exit code 4\): Error: {2}client: etcd cluster is unavailable/);
    });
  });

  describe("the agent's default etcd-cluster-health planet check", () => {
    const defaults = parseAgentConfig('', 'defaults');
    const check = defaults.planetChecks.checks.find((c) => c.name === 'etcd-cluster-health');

    it('judges `cluster-health` with the gate\'s parser: etcd <= 3.2 "cluster is healthy" (exit 0) with a member down fails', async () => {
      expect(check, 'default etcd-cluster-health check').to.not.equal(undefined);
      const { run, seen } = replay(V2_ETCD_3_2_DEGRADED);
      const [outcome] = await runPlanetChecks([check!], 5000, run);
      expect(seen[0]!.args.slice(-2)).to.deep.equal(['/usr/bin/etcdctl', 'cluster-health']);
      expect(outcome!.ok).to.equal(false);
      expect(outcome!.problem).to.contain(`member ${DOWN_ID} is unreachable`);
      // The same verdict as the coordinator's gate on the same output.
      const gate = await new EtcdHealthCommandReader({ argv: ['etcdctl', 'cluster-health'], format: 'v2', timeoutMs: 1000, runner: replay(V2_ETCD_3_2_DEGRADED).run }).read();
      expect(gate.healthy).to.equal(false);
      expect(outcome!.problem).to.equal(gate.problems.join('; '));
    });

    it('passes on a healthy cluster and fails on the real 3.4 degraded and unlistable outputs', async () => {
      const [healthy] = await runPlanetChecks([check!], 5000, replay(cap.V2_HEALTHY).run);
      expect(healthy).to.include({ ok: true, problem: '' });
      expect(judgePlanetCheck('etcd-members-healthy', 5, cap.V2_DEGRADED.stdout).ok).to.equal(false);
      expect(judgePlanetCheck('etcd-members-healthy', 4, cap.V2_DOWN.stdout, cap.V2_DOWN.stderr).problem).to.match(/could not be listed.*etcd cluster is unavailable/);
    });
  });
});
