import { flagBoolean, flagsHelp, flagString, parseFlags, type FlagSpec } from '../../shared/cli/flag-parser.js';
import { oneOfProblem } from '../../shared/validation/choice.js';
import { listenAddressProblem } from '../../shared/validation/host-port.js';
import { absolutePathProblem } from '../../shared/validation/path.js';
import { DEFAULT_CONFIG_PATH, LOG_LEVELS, type ConfigOverrides } from './agent-config.js';
import { AGENT_PROFILES } from './agent-profile.js';

/** Command line of noderoll-agent. */

export interface AgentFlags {
  configPath: string;
  checkConfig: boolean;
  help: boolean;
  version: boolean;
  overrides: ConfigOverrides;
}

const FLAGS: readonly FlagSpec[] = [
  { name: 'config', kind: 'string', value: 'FILE', help: `YAML configuration (default ${DEFAULT_CONFIG_PATH}; a missing default file means all defaults)` },
  { name: 'check-config', kind: 'boolean', help: 'validate the configuration and its TLS files, print the effective settings as JSON,\nexit 0 (valid) or 2' },
  { name: 'grpc-listen', kind: 'string', value: 'H:P', help: 'gRPC address (overrides grpc.listen)', check: listenAddressProblem },
  {
    name: 'http-listen',
    kind: 'string',
    value: 'H:P',
    help: 'HTTP address for /healthz /readyz /status /metrics; "" turns it off (overrides http.listen)',
    allowEmpty: true,
    check: (v) => (v === '' ? undefined : listenAddressProblem(v)),
  },
  { name: 'state-dir', kind: 'string', value: 'DIR', help: 'where operations are recorded (overrides stateDir)', check: absolutePathProblem },
  { name: 'log-level', kind: 'string', value: 'LEVEL', help: `${LOG_LEVELS.join('|')} (overrides logLevel)`, check: (v) => oneOfProblem(v, LOG_LEVELS) },
  { name: 'profile', kind: 'string', value: 'NAME', help: `${AGENT_PROFILES.join('|')}: the defaults to start from (overrides profile)`, check: (v) => oneOfProblem(v, AGENT_PROFILES) },
  { name: 'version', kind: 'boolean', help: 'print the agent version' },
  { name: 'help', kind: 'boolean', help: 'this text' },
];

export const USAGE = `usage: noderoll-agent [--config FILE] [--check-config] [flags]

${flagsHelp(FLAGS, 22)}

TLS (mutual by default) is configured in the file only (tls:), not by flags; SIGHUP re-reads the
TLS files. Roles, certificates and rotation: docs/security.md.
`;

/** Parses the agent's flags; a bad one throws a UsageError (a FieldError) naming it. */
export function parseAgentFlags(argv: readonly string[]): AgentFlags {
  const f = parseFlags(argv, FLAGS, { program: 'noderoll-agent' });
  const overrides: ConfigOverrides = {};
  for (const [flag, key] of [
    ['grpc-listen', 'grpcListen'],
    ['http-listen', 'httpListen'],
    ['state-dir', 'stateDir'],
    ['log-level', 'logLevel'],
    ['profile', 'profile'],
  ] as const) {
    const value = flagString(f, flag);
    if (value !== undefined) overrides[key] = value;
  }
  return {
    configPath: flagString(f, 'config') ?? DEFAULT_CONFIG_PATH,
    checkConfig: flagBoolean(f, 'check-config'),
    help: flagBoolean(f, 'help'),
    version: flagBoolean(f, 'version'),
    overrides,
  };
}
