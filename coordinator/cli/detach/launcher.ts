import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { runCommand, type CommandRunner } from '../../../shared/exec/command-runner.js';

/** What a detached coordinator is started with. */
export interface DetachRequest {
  /** Transient systemd unit name: noderoll-update-OPERATION. */
  unit: string;
  /** The coordinator's own command line: [node, main.js, 'update', …]. */
  argv: readonly string[];
  cwd: string;
  env: Record<string, string>;
  /** Where its stdout and stderr go when systemd's journal does not take them. */
  outputFile: string;
}

export interface ChildExit {
  /** null: unknown (killed by a signal, or systemd already collected the unit). */
  code: number | null;
  detail: string;
}

export interface DetachedRun {
  /** For humans: "systemd unit noderoll-update-X.service" or "pid 1234". */
  description: string;
  /** Where its output can be read. */
  output: string;
  /** undefined while it runs. */
  exitStatus(): Promise<ChildExit | undefined>;
}

export interface DetachedLauncher {
  start(request: DetachRequest): Promise<DetachedRun>;
}

/** systemd-run's argv: a transient service that outlives the session, collected even when it failed. */
export function systemdRunArgv(request: Pick<DetachRequest, 'unit' | 'argv' | 'cwd' | 'env'>): string[] {
  return [
    'systemd-run',
    '--unit',
    request.unit,
    '--collect',
    '--quiet',
    '--service-type=exec',
    `--working-directory=${request.cwd}`,
    ...Object.entries(request.env).map(([k, v]) => `--setenv=${k}=${v}`),
    '--',
    ...request.argv,
  ];
}

const SYSTEMCTL_TIMEOUT_MS = 10_000;

/** A systemd service starts with an empty environment: these the coordinator and kubectl read from ours. */
const INHERITED_ENV = ['PATH', 'HOME', 'KUBECONFIG', 'NODEROLL_CONFIG'];

export function inheritedEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(INHERITED_ENV.flatMap((k) => (env[k] ? [[k, env[k]]] : [])));
}

/** `systemctl show` key=value lines. */
function parseShow(text: string): Map<string, string> {
  return new Map(
    text
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

export class SystemdRunLauncher implements DetachedLauncher {
  constructor(private readonly runner: CommandRunner = runCommand) {}

  async start(request: DetachRequest): Promise<DetachedRun> {
    const [file, ...args] = systemdRunArgv({ ...request, env: { ...inheritedEnv(process.env), ...request.env } });
    await this.runner({ file: file!, args, timeoutMs: SYSTEMCTL_TIMEOUT_MS });
    const unit = `${request.unit}.service`;
    return {
      description: `systemd unit ${unit}`,
      output: `journalctl -u ${unit}`,
      exitStatus: async () => {
        const r = await this.runner({ file: 'systemctl', args: ['show', unit, '--property=LoadState,ActiveState,Result,ExecMainStatus'], timeoutMs: SYSTEMCTL_TIMEOUT_MS });
        const p = parseShow(r.stdout);
        if (p.get('LoadState') === 'not-found') return { code: null, detail: `${unit} ended and was collected (journalctl -u ${unit})` };
        if (!['inactive', 'failed'].includes(p.get('ActiveState') ?? '')) return undefined;
        const code = Number(p.get('ExecMainStatus'));
        return { code: Number.isInteger(code) ? code : null, detail: `${unit} ended: ${p.get('Result') ?? '?'}, exit status ${p.get('ExecMainStatus') ?? '?'}` };
      },
    };
  }
}

/** Without systemd: a new session (setsid), stdio to the output file, not waited for. */
export class SpawnLauncher implements DetachedLauncher {
  async start(request: DetachRequest): Promise<DetachedRun> {
    mkdirSync(dirname(request.outputFile), { recursive: true, mode: 0o700 });
    const fd = openSync(request.outputFile, 'a', 0o600);
    let exit: ChildExit | undefined;
    try {
      const [file, ...args] = request.argv;
      const child = spawn(file!, args, { detached: true, cwd: request.cwd, env: { ...process.env, ...request.env }, stdio: ['ignore', fd, fd] });
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
      child.on('exit', (code, signal) => {
        exit = { code, detail: signal ? `pid ${child.pid} killed by ${signal}` : `pid ${child.pid} exited with status ${code}` };
      });
      child.unref();
      return { description: `pid ${child.pid}`, output: request.outputFile, exitStatus: async () => exit };
    } finally {
      closeSync(fd);
    }
  }
}

/** systemd-run when systemd is the init system (as sd_booted() decides), else a plain detached process. */
export function defaultLauncher(): DetachedLauncher {
  return existsSync('/run/systemd/system') ? new SystemdRunLauncher() : new SpawnLauncher();
}
