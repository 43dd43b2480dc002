import { resolve } from 'node:path';
import { flagBoolean, flagString, flagsHelp, parseFlags, UsageError, type FlagSpec } from '../shared/cli/flag-parser.js';
import { createLogger } from '../shared/log/logger.js';
import { buildAgentPackages } from './agent-packages.js';

/** `npm run package`: builds the agent's packages into --out (default dist/packages). */

const FLAGS: readonly FlagSpec[] = [
  { name: 'out', kind: 'string', value: 'DIR', help: 'where the packages go (default dist/packages)' },
  { name: 'version', kind: 'string', value: 'V', help: 'package version (default: the version of package.json)' },
  { name: 'help', kind: 'boolean', help: 'this text' },
];

const USAGE = `usage: npm run package -- [--out DIR] [--version V]\n\n${flagsHelp(FLAGS, 16)}\n`;

async function main(): Promise<void> {
  let flags;
  try {
    flags = parseFlags(process.argv.slice(2), FLAGS, { program: 'package' });
  } catch (err) {
    process.stderr.write(`${err instanceof UsageError ? err.message : String(err)}\n${USAGE}`);
    process.exit(2);
  }
  if (flagBoolean(flags, 'help')) {
    process.stdout.write(USAGE);
    return;
  }
  const logger = createLogger('package', { level: 'info' }, process.stderr);
  const version = flagString(flags, 'version');
  const built = await buildAgentPackages({ outDir: resolve(flagString(flags, 'out') ?? 'dist/packages'), ...(version ? { version } : {}), logger });
  for (const file of [built.deb, built.tarball, built.rpm]) if (file) process.stdout.write(`${file}\n`);
}

main().catch((err: Error) => {
  process.stderr.write(`package: ${err.message}\n`);
  process.exit(1);
});
