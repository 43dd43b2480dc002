import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/** pino JSON to stdout (daemons; journald keeps it) or to a given destination. */
export function createLogger(name: string, options: LoggerOptions = {}, destination?: NodeJS.WritableStream): Logger {
  const level = options.level ?? process.env.NODEROLL_LOG_LEVEL ?? 'info';
  const opts: LoggerOptions = { name, level, base: { pid: process.pid }, ...options };
  return destination ? pino(opts, destination) : pino(opts);
}

/** A logger that drops everything, for library code used without one. */
export const silentLogger: Logger = pino({ level: 'silent' });
