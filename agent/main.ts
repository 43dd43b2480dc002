import { existsSync, readFileSync } from 'node:fs';
import { createLogger } from '../shared/log/logger.js';
import { FieldError } from '../shared/validation/field-error.js';
import { agentVersion, startAgent } from './agent-daemon.js';
import { ConfigError, DEFAULT_CONFIG_PATH, describeConfig, parseAgentConfig } from './config/agent-config.js';
import { parseAgentFlags, USAGE } from './config/flags.js';

/**
 * noderoll-agent: flags → configuration → the agent (gRPC + HTTP) until SIGTERM.
 * Exit codes: 0 clean stop or valid --check-config; 2 bad flags or configuration; 1 failure.
 */

function die(code: number, message: string): never {
  process.stderr.write(message.endsWith('\n') ? message : `${message}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  let flags;
  try {
    flags = parseAgentFlags(process.argv.slice(2));
  } catch (err) {
    die(2, err instanceof FieldError ? `noderoll-agent: ${err.message}` : String(err));
  }
  if (flags.help || flags.version) {
    process.stdout.write(flags.help ? USAGE : `${agentVersion()}\n`);
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
  if (flags.checkConfig) {
    process.stdout.write(JSON.stringify(describeConfig(config), null, 2) + '\n');
    die(0, `noderoll-agent: configuration ${text ? flags.configPath : '(defaults)'} is valid`);
  }

  const logger = createLogger('noderoll-agent', { level: config.logLevel });
  process.on('unhandledRejection', (err) => {
    logger.fatal({ err: err instanceof Error ? err.stack : String(err) }, 'unhandled rejection');
    process.exit(1);
  });
  let agent;
  try {
    agent = await startAgent(config, { logger });
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
}

void main();
