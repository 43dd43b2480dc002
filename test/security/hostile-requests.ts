import { randomBytes } from 'node:crypto';
import type { AgentClient } from '../../shared/agent-api/agent-client.js';

/**
 * Hostile and malformed gRPC requests, as data: what is wrong with each, how to send it, and
 * the refusal the agent must answer with (status code, and a message that starts with the
 * field's name). Shared by the fast in-process suite (fake host: proves zero processes spawned)
 * and the lab suite (real node: unit states unchanged, the audit log shows each refusal).
 */

export interface HostileContext {
  /** A unit in the agent's allow-list that exists on the node (planet). */
  allowedUnit: string;
  /** Another one (teleport). */
  otherAllowedUnit: string;
  /** The same agent, called with a reader (read-only) certificate. */
  reader: AgentClient;
  /** A fresh, valid operation ID. */
  opId(what: string): string;
}

export interface HostileRequest {
  what: string;
  rpc: string;
  /** Sends the request; resolves only when the agent accepted it (which fails the test). */
  send(c: AgentClient, ctx: HostileContext): Promise<unknown>;
  /** Runs before the "nothing happened" snapshot (e.g. records the operation ID that is then reused). */
  prepare?(c: AgentClient, ctx: HostileContext): Promise<void>;
  code: string;
  details: RegExp;
  /** The operation ID the audit line's arguments carry (a mutating call whose request could be read). */
  auditedOperationId?(ctx: HostileContext): string;
  /** Refused by grpc-js before any handler ran (over the size limit, undeserializable): audited without arguments. */
  refusedBeforeHandler?: true;
}

export const MEGABYTE = 1024 * 1024;

async function installOrThrow(c: AgentClient, operationId: string, version: string): Promise<unknown> {
  const r = await c.install(operationId, version);
  if (r.error) throw r.error;
  return r;
}

/** A stop of `unit` under a fixed operation ID (so the audit line can be found). */
function stopCase(what: string, unit: string, code: string, details: RegExp, readable = true): HostileRequest {
  const id = `hostile-stop-${randomBytes(4).toString('hex')}`;
  return {
    what,
    rpc: 'StopUnit',
    send: (c) => c.stopUnit({ operationId: id, unit }),
    code,
    details,
    ...(readable ? { auditedOperationId: () => id } : { refusedBeforeHandler: true }),
  };
}

function installCase(what: string, version: string, details = /^version: /): HostileRequest {
  const id = `hostile-install-${randomBytes(4).toString('hex')}`;
  return { what, rpc: 'Install', send: (c) => installOrThrow(c, id, version), code: 'INVALID_ARGUMENT', details, auditedOperationId: () => id };
}

function operationIdCase(what: string, operationId: string, details = /^operation_id: /): HostileRequest {
  return { what, rpc: 'StopUnit', send: (c, ctx) => c.stopUnit({ operationId, unit: ctx.allowedUnit }), code: 'INVALID_ARGUMENT', details, auditedOperationId: () => operationId };
}

/** A ScanJournal pattern refused for its shape (issue 17: each of these stalled the agent's event loop). */
function patternCase(field: 'include_patterns' | 'exclude_patterns', pattern: string, shape: RegExp): HostileRequest {
  return {
    what: `journal ${field} ${pattern}`,
    rpc: 'ScanJournal',
    send: (c) => c.scanJournal(field === 'include_patterns' ? { includePatterns: ['etcd', pattern] } : { excludePatterns: ['heartbeat', pattern] }),
    code: 'INVALID_ARGUMENT',
    details: new RegExp(`^${field}\\[1\\]: .*${shape.source}.*catastrophic backtracking`),
  };
}

const NESTED = /repeats a group that itself repeats or alternates/;
const ADJACENT = /two unbounded repeats in a row that match the same characters/;

const UNIT_GRAMMAR = /^unit: /;
const NOT_ALLOWED = /^unit: ".*" is not in the agent's allow-list/;

export function hostileRequests(): HostileRequest[] {
  const reused = `hostile-reused-${randomBytes(4).toString('hex')}`;
  return [
    // Unit names: shell syntax, paths, control characters, size, look-alikes, globs, the allow-list.
    stopCase('unit name with ";"', 'gravity__x;reboot.service', 'INVALID_ARGUMENT', UNIT_GRAMMAR),
    stopCase('unit name with "$(..)"', 'gravity__$(reboot).service', 'INVALID_ARGUMENT', UNIT_GRAMMAR),
    stopCase('unit name with backticks', 'gravity__`reboot`.service', 'INVALID_ARGUMENT', UNIT_GRAMMAR),
    stopCase('unit name with "../"', 'gravity__../../etc/passwd.service', 'INVALID_ARGUMENT', UNIT_GRAMMAR),
    stopCase('unit name that is a path', '/etc/systemd/system/gravity__x.service', 'INVALID_ARGUMENT', UNIT_GRAMMAR),
    stopCase('unit name with a newline', 'gravity__x.service\nreboot.service', 'INVALID_ARGUMENT', UNIT_GRAMMAR),
    stopCase('unit name with NUL', 'gravity__x\0.service', 'INVALID_ARGUMENT', UNIT_GRAMMAR),
    stopCase('unit name with a space and an option', 'gravity__x.service --force', 'INVALID_ARGUMENT', UNIT_GRAMMAR),
    stopCase('unit name of 256 characters', `gravity__${'a'.repeat(239)}.service`, 'INVALID_ARGUMENT', /^unit: is 256 characters long; systemd allows at most 255/),
    stopCase('unit name of 60,000 characters (under the message cap)', `gravity__${'a'.repeat(60_000)}.service`, 'INVALID_ARGUMENT', /^unit: is 60017 characters long/),
    stopCase('unit name of 1 MB (over the message cap)', `gravity__${'a'.repeat(MEGABYTE)}.service`, 'RESOURCE_EXHAUSTED', /larger than max/, false),
    stopCase('unit name with a unicode one-dot leader for "."', 'gravity__planet\u2024service', 'INVALID_ARGUMENT', UNIT_GRAMMAR),
    stopCase('unit name with a Cyrillic "і" look-alike', 'gravіty__x.service', 'INVALID_ARGUMENT', UNIT_GRAMMAR),
    stopCase('unit name with a fullwidth semicolon', 'gravity__x\uff1breboot.service', 'INVALID_ARGUMENT', UNIT_GRAMMAR),
    stopCase('unit name with a zero-width space', 'gravity__x\u200b.service', 'INVALID_ARGUMENT', UNIT_GRAMMAR),
    stopCase('unit name with a right-to-left override', 'gravity__\u202ecivres.x', 'INVALID_ARGUMENT', UNIT_GRAMMAR),
    stopCase('unit glob "*" (everything)', '*', 'INVALID_ARGUMENT', UNIT_GRAMMAR),
    stopCase('unit glob inside the allow-list prefix', 'gravity__*.service', 'INVALID_ARGUMENT', UNIT_GRAMMAR),
    stopCase('unit glob with a character class', '[a-z]*.service', 'INVALID_ARGUMENT', UNIT_GRAMMAR),
    stopCase('template unit without an instance', 'gravity__x@.service', 'INVALID_ARGUMENT', /^unit: .*is a template/),
    stopCase('unknown unit type', 'gravity__x.exe', 'INVALID_ARGUMENT', /^unit: .*unknown unit type/),
    stopCase('empty unit name', '', 'INVALID_ARGUMENT', /^unit: must not be empty/),
    stopCase('unit outside the allow-list: dbus', 'dbus.service', 'PERMISSION_DENIED', NOT_ALLOWED),
    stopCase('unit outside the allow-list: the agent itself', 'noderoll-agent.service', 'PERMISSION_DENIED', NOT_ALLOWED),
    stopCase('unit outside the allow-list by case', 'GRAVITY__x.service', 'PERMISSION_DENIED', NOT_ALLOWED),
    stopCase('unit that looks like an option (--help.service)', '--help.service', 'PERMISSION_DENIED', NOT_ALLOWED),
    stopCase('the root mount (-.mount)', '-.mount', 'PERMISSION_DENIED', NOT_ALLOWED),
    {
      what: 'EnableUnit of a unit outside the allow-list',
      rpc: 'EnableUnit',
      send: (c) => c.enableUnit({ operationId: 'hostile-enable-ssh', unit: 'ssh.service', now: true }),
      code: 'PERMISSION_DENIED',
      details: NOT_ALLOWED,
      auditedOperationId: () => 'hostile-enable-ssh',
    },
    {
      what: 'StartUnit with a timeout beyond the agent limit',
      rpc: 'StartUnit',
      send: (c, ctx) => c.startUnit({ operationId: 'hostile-timeout', unit: ctx.allowedUnit, timeoutMs: 2_000_000_000 }),
      code: 'INVALID_ARGUMENT',
      details: /^timeout_ms: 2000000000 exceeds/,
      auditedOperationId: () => 'hostile-timeout',
    },

    // Versions for the install command.
    {
      what: 'version of 1 MB (over the message cap)',
      rpc: 'Install',
      send: (c) => installOrThrow(c, `hostile-install-${randomBytes(4).toString('hex')}`, '7'.repeat(MEGABYTE)),
      code: 'RESOURCE_EXHAUSTED',
      details: /larger than max/,
      refusedBeforeHandler: true,
    },
    installCase('version with ";"', '7.0.68; reboot'),
    installCase('version with "$(..)"', '$(reboot)'),
    installCase('version with backticks', '7.0.`id`'),
    installCase('version with "&&"', '7.0.68 && rm -rf /'),
    installCase('version with a pipe', '7.0.68|sh'),
    installCase('version with a redirection', '7.0.68>/etc/passwd'),
    installCase('version that is a path', '../../../../etc/passwd'),
    installCase('version that is an option', '--force-all'),
    installCase('version that starts with a letter (refused by the fixed rule, whatever the pattern)', 'v7.0.68', /^version: "v7.0.68" is not a package version: it must start with a digit/),
    installCase('version with a newline', '7.0.68\nreboot'),
    installCase('version with NUL', '7.0.68\0'),
    installCase('version with a glob', '7.0.*'),
    installCase('version of 65 characters', `7.0.${'1'.repeat(61)}`, /^version: is 65 characters long; at most 64/),
    installCase('version with fullwidth digits', '\uff17.0.68'),
    installCase('version outside the pattern', '7.0.68~evil', /^version: "7.0.68~evil" does not match the agent's version pattern/),
    installCase('empty version', '', /^version: must not be empty/),

    // Operation IDs: missing, malformed, unknown, reused.
    operationIdCase('missing operation ID', '', /^operation_id: is required/),
    operationIdCase('operation ID with ";"', 'op;reboot'),
    operationIdCase('operation ID with "../"', '../op'),
    operationIdCase('operation ID with a newline', 'op\nx'),
    operationIdCase('operation ID of 129 characters', `o${'p'.repeat(128)}`, /^operation_id: is 129 characters long; at most 128/),
    {
      what: 'unknown operation ID',
      rpc: 'GetOperation',
      send: (c) => c.getOperation('never-issued-0000'),
      code: 'NOT_FOUND',
      details: /^operation_id: no operation "never-issued-0000" on this node/,
    },
    {
      what: 'operation ID reused for another unit',
      rpc: 'StopUnit',
      prepare: async (c, ctx) => void (await c.startUnit({ operationId: reused, unit: ctx.otherAllowedUnit })),
      send: (c, ctx) => c.stopUnit({ operationId: reused, unit: ctx.allowedUnit }),
      code: 'ALREADY_EXISTS',
      details: new RegExp(`^operation_id: "${reused}" was already used for start-unit`),
      auditedOperationId: () => reused,
    },
    {
      what: 'operation ID reused for another kind (install)',
      rpc: 'Install',
      send: (c) => installOrThrow(c, reused, '7.0.68'),
      code: 'ALREADY_EXISTS',
      details: new RegExp(`^operation_id: "${reused}" was already used for start-unit`),
      auditedOperationId: () => reused,
    },
    {
      what: 'Reboot with control characters in the reason',
      rpc: 'Reboot',
      send: (c) => c.reboot('hostile-reboot-reason', 'planned\u001b[2J\nreboot'),
      code: 'INVALID_ARGUMENT',
      details: /^reason: /,
      auditedOperationId: () => 'hostile-reboot-reason',
    },
    {
      what: 'Reboot with a 201-character reason',
      rpc: 'Reboot',
      send: (c) => c.reboot('hostile-reboot-long', 'r'.repeat(201)),
      code: 'INVALID_ARGUMENT',
      details: /^reason: /,
      auditedOperationId: () => 'hostile-reboot-long',
    },

    // Read RPCs: patterns, cursors, counts, names.
    { what: 'ListUnits glob with shell syntax', rpc: 'ListUnits', send: (c) => c.listUnits(['gravity__*', 'x;reboot']), code: 'INVALID_ARGUMENT', details: /^patterns\[1\]: / },
    { what: 'ListUnits with 33 globs', rpc: 'ListUnits', send: (c) => c.listUnits(Array.from({ length: 33 }, (_, i) => `u${i}*`)), code: 'INVALID_ARGUMENT', details: /^patterns: has 33 globs/ },
    { what: 'ListUnits with nested brackets', rpc: 'ListUnits', send: (c) => c.listUnits(['[[a]]*']), code: 'INVALID_ARGUMENT', details: /^patterns\[0\]: .*brackets/ },
    {
      what: 'journal pattern with catastrophic backtracking',
      rpc: 'ScanJournal',
      send: (c) => c.scanJournal({ includePatterns: ['(a+)+$'] }),
      code: 'INVALID_ARGUMENT',
      details: /^include_patterns\[0\]: .*catastrophic backtracking/,
    },
    patternCase('include_patterns', '((a+))+Z', NESTED),
    patternCase('include_patterns', '((.+))+Z', NESTED),
    patternCase('include_patterns', '(?:(?:\\w+))+Z', NESTED),
    patternCase('include_patterns', 'a*a*a*a*a*Z', ADJACENT),
    patternCase('include_patterns', '[^Z]*[^Z]*[^Z]*[^Z]*Z', ADJACENT),
    patternCase('exclude_patterns', '[^Z]*[^Z]*[^Z]*[^Z]*Z', ADJACENT),
    patternCase('exclude_patterns', '((a+))+Z', NESTED),
    patternCase('include_patterns', '.*.*=.*', ADJACENT),
    patternCase('exclude_patterns', '\\d+\\w*Z', ADJACENT),
    { what: 'journal pattern with a back-reference', rpc: 'ScanJournal', send: (c) => c.scanJournal({ excludePatterns: ['(a)\\1'] }), code: 'INVALID_ARGUMENT', details: /^exclude_patterns\[0\]: .*back-references/ },
    { what: 'journal cursor with shell syntax', rpc: 'ScanJournal', send: (c) => c.scanJournal({ afterCursor: 's=1;$(reboot)' }), code: 'INVALID_ARGUMENT', details: /^after_cursor: / },
    { what: 'journal boot ID that is a path', rpc: 'ScanJournal', send: (c) => c.scanJournal({ bootId: '../../../etc/machine-id' }), code: 'INVALID_ARGUMENT', details: /^boot_id: / },
    { what: 'journal unit with ";"', rpc: 'ScanJournal', send: (c) => c.scanJournal({ units: ['x;y.service'] }), code: 'INVALID_ARGUMENT', details: /^units\[0\]: / },
    { what: 'journal max_entries of a billion', rpc: 'ScanJournal', send: (c) => c.scanJournal({ maxEntries: 1_000_000_000 }), code: 'INVALID_ARGUMENT', details: /^max_entries: / },
    { what: 'journal priority that is not one', rpc: 'ScanJournal', send: (c) => c.scanJournal({ priority: 'everything' }), code: 'INVALID_ARGUMENT', details: /^priority: / },
    { what: 'journal pattern of 100 KB (over the message cap)', rpc: 'ScanJournal', send: (c) => c.scanJournal({ includePatterns: ['x'.repeat(100_000)] }), code: 'RESOURCE_EXHAUSTED', details: /larger than max/, refusedBeforeHandler: true },
    { what: 'planet check that is a command line', rpc: 'RunPlanetChecks', send: (c) => c.runPlanetChecks(['rm -rf /']), code: 'INVALID_ARGUMENT', details: /^names\[0\]: "rm -rf \/" is not a configured check/ },
    { what: 'GetOperation with a path for an ID', rpc: 'GetOperation', send: (c) => c.getOperation('../../etc/passwd'), code: 'INVALID_ARGUMENT', details: /^operation_id: / },
    { what: 'ListOperations limit of 100,000', rpc: 'ListOperations', send: (c) => c.listOperations(100_000), code: 'INVALID_ARGUMENT', details: /^limit: / },

    // A read-only caller asking for changes.
    ...(['StopUnit', 'StartUnit', 'EnableUnit', 'Install', 'Reboot'] as const).map(
      (rpc): HostileRequest => {
        const id = `hostile-reader-${rpc.toLowerCase()}`;
        return {
          what: `reader certificate calling ${rpc}`,
          rpc,
          send: (_c, ctx) => {
            switch (rpc) {
              case 'StopUnit':
                return ctx.reader.stopUnit({ operationId: id, unit: ctx.allowedUnit });
              case 'StartUnit':
                return ctx.reader.startUnit({ operationId: id, unit: ctx.allowedUnit });
              case 'EnableUnit':
                return ctx.reader.enableUnit({ operationId: id, unit: ctx.allowedUnit, now: true });
              case 'Install':
                return installOrThrow(ctx.reader, id, '7.0.68');
              case 'Reboot':
                return ctx.reader.reboot(id, 'a reader should not reboot nodes');
            }
          },
          code: 'PERMISSION_DENIED',
          details: new RegExp(`^caller reader CN=.*: ${rpc} changes the node; role reader may call only read RPCs`),
          auditedOperationId: () => id,
        };
      },
    ),
  ];
}
