import { existsSync, readFileSync } from 'node:fs';
import { createLogger } from '../shared/log/logger.js';
import { FieldError } from '../shared/validation/field-error.js';
import { startAgent } from './agent-daemon.js';
import { agentBuild, versionLine } from './build-info.js';
import { ConfigError } from '../shared/config/config-error.js';
import { DEFAULT_CONFIG_PATH, describeConfig, needsTlsMaterial, parseAgentConfig } from './config/agent-config.js';
import { parseAgentFlags, USAGE } from './config/flags.js';
import { loadTlsMaterial, type TlsMaterial } from './tls/tls-material.js';
import { startServiceNotifications } from './systemd/service-notifications.js';
import { takeNotifyEnvironment } from './systemd/systemd-notify.js';

/**
 * noderoll-agent: flags → configuration → TLS files → the agent (gRPC + HTTP) until SIGTERM;
 * SIGHUP re-reads the TLS files (certificate rotation without a restart).
 * Exit codes: 0 clean stop or valid --check-config; 2 bad flags, configuration or TLS files; 1 failure.
 */

function die(code: number, message: string): never {
  process.stderr.write(message.endsWith('\n') ? message : `${message}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  // Before anything runs a child: only systemd-notify gets NOTIFY_SOCKET.
  const notifyEnv = takeNotifyEnvironment(process.env, process.pid);
  // The unit's NODE_OPTIONS (heap settings, systemd/noderoll-agent.service) are this process's alone.
  delete process.env.NODE_OPTIONS;
  let flags;
  try {
    flags = parseAgentFlags(process.argv.slice(2));
  } catch (err) {
    die(2, err instanceof FieldError ? `noderoll-agent: ${err.message}` : String(err));
  }
  if (flags.help || flags.version) {
    process.stdout.write(flags.help ? USAGE : `${versionLine(agentBuild())}\n`);
    process.exit(0);
  }

  let text = '';
  if (existsSync(flags.configPath)) {
    try {
      text = readFileSync(flags.configPath, 'utf8');
    } catch (err) {
      die(2, `noderoll-agent: --config ${flags.configPath}: ${(err as Error).message}`);
    }
  } else if (flags.configPath !== DEFAULT_CONFIG_PATH) {
    die(2, `noderoll-agent: --config: ${flags.configPath} does not exist`);
  }

  let config;
  try {
    config = parseAgentConfig(text, text ? flags.configPath : 'defaults', flags.overrides);
  } catch (err) {
    die(2, err instanceof ConfigError ? `noderoll-agent: ${err.message}` : `noderoll-agent: ${(err as Error).message}`);
  }
  const source = text ? flags.configPath : 'defaults';
  let tlsMaterial: TlsMaterial | undefined;
  if (needsTlsMaterial(config)) {
    try {
      tlsMaterial = await loadTlsMaterial(config.tls, source);
    } catch (err) {
      die(2, err instanceof ConfigError ? `noderoll-agent: ${err.message}` : `noderoll-agent: ${(err as Error).message}`);
    }
  }
  if (flags.checkConfig) {
    const tls = tlsMaterial
      ? { node: tlsMaterial.node, certificate: tlsMaterial.agent.subject, notAfter: tlsMaterial.agent.notAfter.toISOString(), cas: tlsMaterial.cas.map((c) => c.commonName), warnings: tlsMaterial.warnings }
      : undefined;
    process.stdout.write(JSON.stringify({ ...describeConfig(config), ...(tls ? { tlsFiles: tls } : {}) }, null, 2) + '\n');
    die(0, `noderoll-agent: configuration ${text ? flags.configPath : '(defaults)'} is valid${config.tls.mode === 'insecure-plaintext' ? ' (WARNING: tls.mode insecure-plaintext: gRPC is unauthenticated)' : ''}`);
  }

  const logger = createLogger('noderoll-agent', { level: config.logLevel });
  process.on('unhandledRejection', (err) => {
    logger.fatal({ err: err instanceof Error ? err.stack : String(err) }, 'unhandled rejection');
    process.exit(1);
  });
  let agent;
  try {
    agent = await startAgent(config, { logger, configSource: source, ...(tlsMaterial ? { tlsMaterial } : {}) });
  } catch (err) {
    logger.fatal({ err: (err as Error).message }, 'could not start');
    // Let pino flush to stdout before exiting.
    setTimeout(() => process.exit(1), 50);
    return;
  }
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    logger.info({ signal }, 'signal received');
    agent.stop().then(
      () => process.exit(0),
      (err: Error) => {
        logger.error({ err: err.message }, 'unclean shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('SIGHUP', () => {
    agent.reloadTls().then(
      (m) => logger.info({ reloaded: Boolean(m) }, m ? 'SIGHUP: TLS files reloaded; new connections use them' : 'SIGHUP: no TLS files to reload (insecure-plaintext)'),
      (err: Error) => logger.error({ err: err.message }, 'SIGHUP: the new TLS files are invalid; still serving with the previous ones'),
    );
  });
  // Type=notify: serving, with the signal handlers in place; then the watchdog pings (WatchdogSec=).
  if (notifyEnv) await startServiceNotifications(notifyEnv, { logger });
}

void main();
