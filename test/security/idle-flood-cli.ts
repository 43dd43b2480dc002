import { isIPv4 } from 'node:net';
import { openIdleFlood } from './idle-connections.js';

/**
 * Run inside a lab node (nsenter): opens COUNT idle connections from SOURCE to HOST:PORT, waits
 * until the agent has closed all of them or HOLD_MS passed (at most 60 s), then prints what it
 * saw as one JSON line and closes what is left.
 *
 *   node idle-flood-cli.js HOST PORT SOURCE COUNT HOLD_MS
 *
 * Only for 127.0.0.0/8 addresses (lab nodes live there).
 */

export interface IdleFloodReport {
  source: string;
  opened: number;
  /** Closed by the agent within a moment of opening (refused at accept). */
  closedAtOnce: number;
  /** Closed by the agent by the end of the hold. */
  closedByAgent: number;
  bytesReceived: number;
}

const loopback = (a: string | undefined): a is string => a !== undefined && isIPv4(a) && a.startsWith('127.');

async function main(argv: string[]): Promise<number> {
  const [host, portText, source, countText, holdText] = argv;
  const port = Number(portText);
  const count = Number(countText);
  const holdMs = Number(holdText);
  if (!loopback(host) || !loopback(source) || !Number.isInteger(port) || !(count >= 1 && count <= 1000) || !(holdMs >= 0 && holdMs <= 60_000)) {
    process.stderr.write('usage: idle-flood-cli HOST PORT SOURCE COUNT(1..1000) HOLD_MS(0..60000), addresses in 127.0.0.0/8\n');
    return 2;
  }
  const conns = await openIdleFlood(host, port, source, count);
  await new Promise((r) => setTimeout(r, 500));
  const closedAtOnce = conns.filter((c) => c.closedByPeer()).length;
  const deadline = Date.now() + holdMs;
  while (Date.now() < deadline && conns.some((c) => !c.closedByPeer())) await new Promise((r) => setTimeout(r, 100));
  const report: IdleFloodReport = {
    source,
    opened: conns.length,
    closedAtOnce,
    closedByAgent: conns.filter((c) => c.closedByPeer()).length,
    bytesReceived: conns.reduce((n, c) => n + c.bytesReceived(), 0),
  };
  for (const c of conns) c.socket.destroy();
  process.stdout.write(`${JSON.stringify(report)}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  },
);
