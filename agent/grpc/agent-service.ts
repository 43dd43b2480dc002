import { status, type ServerUnaryCall, type sendUnaryData, type ServerWritableStream, type ServiceError, Metadata } from '@grpc/grpc-js';
import type { NodeAgentHandlers } from '../../shared/agent-api/generated/noderoll/agent/v1/NodeAgent.js';
import type { Logger } from '../../shared/log/logger.js';
import { FieldError } from '../../shared/validation/field-error.js';
import { UnitNotAllowedError } from '../../shared/validation/unit-name.js';
import { AgentError } from '../agent-error.js';
import type { AgentConfig } from '../config/agent-config.js';
import type { AgentMetrics } from '../http/agent-metrics.js';
import { validateJournalRequest } from '../journal/journal-query.js';
import { operationError, type NodeOperations } from '../node/node-operations.js';
import type { UpdatePhaseStore } from '../operations/update-phase-store.js';
import type { CallAccess } from '../tls/call-access.js';
import type { CallerIdentity } from '../tls/peer-admission.js';
import { authorizationProblem, isMutatingRpc } from '../tls/rpc-authorization.js';
import { isRefusalCode } from './refusal-audit.js';
import { streamEtcdSnapshot } from './etcd-snapshot-stream.js';
import { toJournalEntry, toJournalSummary, toNodeInfo, toOperation, toPackage, toPackageChange, toPlanetCheck, toRebootAdvice, toUnit } from './proto-mapping.js';

/**
 * noderoll.agent.v1.NodeAgent over NodeOperations: requests in, proto messages out, every error
 * turned into a gRPC status that says what failed (INVALID_ARGUMENT names the field; command
 * failures carry the command, exit code and stderr tail).
 *
 * Before a handler runs, the call is identified (its connection's client certificate) and
 * authorized by role (rpc-authorization.ts). Every mutating call is audit-logged — requested,
 * then failed/succeeded — with the caller, the operation ID and the arguments; every refused call
 * (read or mutating, here or before any handler ran) is audited by refusal-interceptor.ts. Read
 * calls that start processes are capped in number (RESOURCE_EXHAUSTED beyond the cap).
 */

/** Read RPCs that run host commands (systemctl, journalctl, checks): at most grpc.maxConcurrentReads at once. */
const PROCESS_READS = new Set(['GetNodeInfo', 'ListUnits', 'ListFailedUnits', 'ScanJournal', 'RunPlanetChecks', 'GetRebootAdvice', 'CheckEtcdHealth']);
const AUDIT_VALUE_MAX = 200;

/** A request's fields for the audit log, long strings cut (a 1 MB name must not become a 1 MB log line). */
export function auditArguments(req: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(req)) {
    out[k] = typeof v === 'string' && v.length > AUDIT_VALUE_MAX ? `${v.slice(0, AUDIT_VALUE_MAX)}… (${v.length} characters)` : v;
  }
  return out;
}

export function toServiceError(err: unknown): ServiceError {
  let code: status;
  let message: string;
  if (err instanceof UnitNotAllowedError) {
    code = status.PERMISSION_DENIED;
    message = err.message;
  } else if (err instanceof FieldError) {
    code = status.INVALID_ARGUMENT;
    message = err.message;
  } else if (err instanceof AgentError) {
    code = status[err.code];
    message = err.message;
  } else {
    code = status.INTERNAL;
    message = `agent error: ${err instanceof Error ? err.message : String(err)}`;
  }
  const e = new Error(message) as ServiceError;
  e.code = code;
  e.details = message;
  e.metadata = new Metadata();
  return e;
}

/** The call's deadline as epoch ms, or undefined when the client set none. */
function callDeadline(call: { getDeadline(): Date | number }): number | undefined {
  const d = call.getDeadline();
  const ms = d instanceof Date ? d.getTime() : d;
  return Number.isFinite(ms) ? ms : undefined;
}

export interface AgentServiceDeps {
  ops: NodeOperations;
  config: AgentConfig;
  metrics: AgentMetrics | undefined;
  logger: Logger;
  access: CallAccess;
  updatePhase: UpdatePhaseStore;
}

type IdentifiableCall = Parameters<CallAccess['callerOf']>[0];

export function createAgentService(d: AgentServiceDeps): NodeAgentHandlers {
  const { ops, config } = d;
  const log = d.logger;
  let processReads = 0;

  const observe = (method: string, started: number, err: ServiceError | undefined): void => {
    const code = err ? status[err.code] : 'OK';
    d.metrics?.observeRpc(method, code, (Date.now() - started) / 1000);
    if (err && !isRefusalCode(code)) log.info({ method, code, details: err.details }, 'rpc failed');
  };

  const audit = (level: 'info' | 'warn', fields: Record<string, unknown>, msg: string): void => {
    log[level]({ audit: true, ...(d.access.insecure ? { insecure: true } : {}), ...fields }, msg);
  };

  /**
   * Identifies and authorizes the call, audits a mutating one, caps process-starting reads,
   * then runs it. Whatever it throws is the call's status.
   */
  async function guarded<T>(method: string, call: IdentifiableCall, req: object, run: (caller: CallerIdentity) => Promise<T>): Promise<T> {
    const mutating = isMutatingRpc(method);
    const args = mutating ? auditArguments(req) : undefined;
    // a refusal here is audited by refusal-interceptor.ts, with whatever identity the connection gives
    const caller = d.access.callerOf(call);
    const problem = authorizationProblem(caller.role, method);
    if (problem) throw new AgentError('PERMISSION_DENIED', `caller ${caller.text}: ${problem}`);
    const who = { caller: caller.text, role: caller.role };
    if (!mutating) {
      if (!PROCESS_READS.has(method)) return run(caller);
      if (processReads >= config.grpc.maxConcurrentReads) {
        throw new AgentError('RESOURCE_EXHAUSTED', `${processReads} read calls that run host commands are in progress (grpc.maxConcurrentReads ${config.grpc.maxConcurrentReads}); retry shortly`);
      }
      processReads += 1;
      try {
        return await run(caller);
      } finally {
        processReads -= 1;
      }
    }
    audit('info', { method, ...who, args, phase: 'requested' }, `mutating call ${method} requested`);
    try {
      const result = await run(caller);
      audit('info', { method, ...who, operationId: args?.operationId, outcome: 'succeeded' }, `mutating call ${method} succeeded`);
      return result;
    } catch (err) {
      const se = toServiceError(err);
      const code = status[se.code] ?? String(se.code);
      // a refusal is audited by refusal-interceptor.ts (as every refused call is)
      if (!isRefusalCode(code)) audit('warn', { method, ...who, args, outcome: 'failed', code, details: se.details }, `mutating call ${method} failed`);
      throw err;
    }
  }

  function unary<Req extends object, Res>(method: string, fn: (req: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res>) {
    return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
      const started = Date.now();
      guarded(method, call, call.request, () => fn(call.request, call)).then(
        (res) => {
          observe(method, started, undefined);
          callback(null, res);
        },
        (err: unknown) => {
          const se = toServiceError(err);
          observe(method, started, se);
          callback(se);
        },
      );
    };
  }

  function fail<Req, Res>(method: string, call: ServerWritableStream<Req, Res>, started: number, err: unknown): void {
    const se = toServiceError(err);
    observe(method, started, se);
    if (!call.cancelled) call.emit('error', se);
  }

  return {
    GetNodeInfo: unary('GetNodeInfo', async () => toNodeInfo(await ops.nodeInfo())),

    ListUnits: unary('ListUnits', async (req) => {
      const r = await ops.listUnits(req.patterns, req.loadedOnly);
      return { units: r.units.map(toUnit), truncated: r.truncated };
    }),

    ListFailedUnits: unary('ListFailedUnits', async () => ({ units: (await ops.failedUnits()).map(toUnit), truncated: false })),

    StopUnit: unary('StopUnit', async (req, call) => {
      const r = await ops.stopUnit(req, callDeadline(call));
      return { operation: toOperation(r.op), unit: r.unit ? toUnit(r.unit) : null, replayed: r.replayed };
    }),

    StartUnit: unary('StartUnit', async (req, call) => {
      const r = await ops.startUnit(req, callDeadline(call));
      return { operation: toOperation(r.op), unit: r.unit ? toUnit(r.unit) : null, replayed: r.replayed };
    }),

    EnableUnit: unary('EnableUnit', async (req, call) => {
      const r = await ops.enableUnit(req, callDeadline(call));
      return { operation: toOperation(r.op), unit: r.unit ? toUnit(r.unit) : null, replayed: r.replayed };
    }),

    ScanJournal: (call) => {
      const started = Date.now();
      const abort = new AbortController();
      call.on('cancelled', () => abort.abort());
      guarded('ScanJournal', call, call.request, async () => {
        const q = validateJournalRequest(call.request, config.journal);
        const summary = await ops.scanJournal(
          q,
          (e) => {
            if (!call.cancelled) call.write({ entry: toJournalEntry(e) });
          },
          abort.signal,
        );
        if (call.cancelled) return;
        call.write({ summary: toJournalSummary(summary) });
        call.end();
        observe('ScanJournal', started, undefined);
      }).catch((err: unknown) => fail('ScanJournal', call, started, err));
    },

    Install: (call) => {
      const started = Date.now();
      const write = (ev: Parameters<typeof call.write>[0]): void => {
        // The install goes on when the caller leaves; it can follow again with the same ID.
        if (!call.cancelled && !call.destroyed) call.write(ev);
      };
      guarded('Install', call, call.request, async () => {
        const op = await ops.install(
          call.request,
          (s) => write({ started: { operationId: call.request.operationId, command: s.command, packagesBefore: s.packagesBefore.map(toPackage), replayed: s.replayed, attached: s.attached } }),
          (o) => write(o.stream === 'stdout' ? { stdout: { text: o.text, unixMs: o.unixMs } } : { stderr: { text: o.text, unixMs: o.unixMs } }),
        );
        write({
          finished: {
            operation: toOperation(op),
            exitCode: op.install?.exitCode ?? -1,
            packageChanges: (op.install?.packageChanges ?? []).map(toPackageChange),
            rebootAdvice: op.install?.rebootAdvice ? toRebootAdvice(op.install.rebootAdvice) : null,
          },
        });
        if (op.state !== 'succeeded') throw operationError(op);
        if (!call.cancelled) call.end();
        observe('Install', started, undefined);
      }).catch((err: unknown) => fail('Install', call, started, err));
    },

    RunPlanetChecks: unary('RunPlanetChecks', async (req) => {
      const checks = await ops.planetChecks(req.names);
      return { checks: checks.map(toPlanetCheck), allOk: checks.every((c) => c.ok) };
    }),

    Reboot: unary('Reboot', async (req) => {
      const r = await ops.reboot(req);
      return { operation: toOperation(r.op), replayed: r.replayed };
    }),

    GetOperation: unary('GetOperation', async (req) => toOperation(ops.getOperation(req.operationId))),

    ListOperations: unary('ListOperations', async (req) => ({ operations: ops.listOperations(req.limit).map(toOperation) })),

    SetUpdatePhase: unary('SetUpdatePhase', async (req) => {
      const r = await d.updatePhase.set(req);
      d.metrics?.showUpdatePhase();
      if (!r.unchanged) log.info({ operationId: r.phase.operationId, phase: r.phase.phase, deadlineMs: r.phase.deadlineMs }, 'update phase set');
      return { phase: { operationId: r.phase.operationId, phase: r.phase.phase, startedUnixMs: r.phase.startedUnixMs, deadlineMs: r.phase.deadlineMs }, unchanged: r.unchanged };
    }),

    GetRebootAdvice: unary('GetRebootAdvice', async () => toRebootAdvice(await ops.rebootAdvice())),

    RestartUnit: unary('RestartUnit', async (req, call) => {
      const r = await ops.restartUnit(req, callDeadline(call));
      return { operation: toOperation(r.op), unit: r.unit ? toUnit(r.unit) : null, replayed: r.replayed };
    }),


    CheckEtcdHealth: unary('CheckEtcdHealth', async (req) => {
      const r = await ops.etcd.health(req.timeoutMs);
      return { members: r.members, allHealthy: r.allHealthy, command: r.command, problem: r.problem };
    }),

    SaveEtcdSnapshot: (call) => {
      const started = Date.now();
      const abort = new AbortController();
      call.on('cancelled', () => abort.abort());
      guarded('SaveEtcdSnapshot', call, call.request, async () => {
        await streamEtcdSnapshot(call, await ops.etcd.saveSnapshot(call.request), abort.signal);
        observe('SaveEtcdSnapshot', started, undefined);
      }).catch((err: unknown) => fail('SaveEtcdSnapshot', call, started, err));
    },
  };
}
