import { FieldError, showValue } from '../../shared/validation/field-error.js';
import { DEFAULT_CONFIG_PATH, type ConfigOverrides } from './agent-config.js';

/** Command line of noderoll-agent. */

export interface AgentFlags {
  configPath: string;
  checkConfig: boolean;
  help: boolean;
  version: boolean;
  overrides: ConfigOverrides;
}

export const USAGE = `usage: noderoll-agent [--config FILE] [--check-config] [flags]

  --config FILE          YAML configuration (default ${DEFAULT_CONFIG_PATH}; a missing default file means all defaults)
  --check-config         validate the configuration and its TLS files, print the effective settings as JSON,
                         exit 0 (valid) or 2
  --grpc-listen H:P      gRPC address (overrides grpc.listen)
  --http-listen H:P      HTTP address for /healthz /readyz /status /metrics; "" turns it off (overrides http.listen)
  --state-dir DIR        where operations are recorded (overrides stateDir)
  --log-level LEVEL      fatal|error|warn|info|debug|trace|silent (overrides logLevel)
  --version              print the agent version
  --help                 this text

TLS (mutual by default) is configured in the file only (tls:), not by flags; SIGHUP re-reads the
TLS files. Roles, certificates and rotation: docs/security.md.
`;

const VALUE_FLAGS = {
  '--config': 'configPath',
  '--grpc-listen': 'grpcListen',
  '--http-listen': 'httpListen',
  '--state-dir': 'stateDir',
  '--log-level': 'logLevel',
} as const;

export function parseAgentFlags(argv: readonly string[]): AgentFlags {
  const flags: AgentFlags = { configPath: DEFAULT_CONFIG_PATH, checkConfig: false, help: false, version: false, overrides: {} };
  const seen = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (seen.has(name)) throw new FieldError(name, 'given more than once');
    seen.add(name);
    if (name === '--check-config' || name === '--help' || name === '--version') {
      if (eq > 0) throw new FieldError(name, 'takes no value');
      if (name === '--check-config') flags.checkConfig = true;
      else if (name === '--help') flags.help = true;
      else flags.version = true;
      continue;
    }
    if (!(name in VALUE_FLAGS)) throw new FieldError(showValue(arg, 40), `unknown flag\n${USAGE}`);
    let value: string | undefined;
    if (eq > 0) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      i += 1;
    }
    if (value === undefined) throw new FieldError(name, 'needs a value');
    if (/[\0\r\n]/.test(value)) throw new FieldError(name, `${showValue(value)} contains NUL or a line break`);
    const target = VALUE_FLAGS[name as keyof typeof VALUE_FLAGS];
    if (target === 'configPath') {
      if (value === '') throw new FieldError(name, 'must not be empty');
      flags.configPath = value;
    } else flags.overrides[target] = value;
  }
  return flags;
}
