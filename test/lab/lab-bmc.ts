import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../shared/log/logger.js';
import type { NodeMachine } from './node-machine.js';

/**
 * The lab's baseboard management controller: a small Redfish-shaped HTTP endpoint on 127.0.0.1 (an
 * ephemeral port) that powers lab nodes on from any process, as `curl` or a Redfish tool reaches a
 * real BMC. What it serves, per node (the system ID is the node name):
 *
 *   GET  /redfish/v1/Systems/{node}                                   {"Id", "PowerState": "On"|"Off"}
 *   POST /redfish/v1/Systems/{node}/Actions/ComputerSystem.Reset      {"ResetType": "On"|"ForceRestart"} → 204
 *
 * "On" starts a powered-off node (a running one: nothing to do, 204, as ipmitool's `power on`);
 * "ForceRestart" starts an off node, or stops a running one and starts it again.
 * What a real BMC does and this one does not: authentication (basic auth or a session over HTTPS),
 * a firmware POST of minutes before the OS boots (here the node boots at once), and the other reset
 * types and Redfish resources.
 */

const SYSTEM = /^\/redfish\/v1\/Systems\/([a-z0-9-]{1,63})(\/Actions\/ComputerSystem\.Reset)?$/;
const RESET_TYPES = ['On', 'ForceRestart'] as const;
type ResetType = (typeof RESET_TYPES)[number];
const MAX_BODY_BYTES = 4096;

export interface BmcRequest {
  node: string;
  resetType: ResetType;
  /** The node's power state when the request came. */
  powerBefore: 'On' | 'Off';
}

export class LabBmc {
  /** Every accepted reset request, oldest first. */
  readonly resets: BmcRequest[] = [];

  private constructor(
    private readonly server: Server,
    private readonly machine: (node: string) => NodeMachine | undefined,
    private readonly logger: Logger,
  ) {}

  static async listen(machine: (node: string) => NodeMachine | undefined, logger: Logger): Promise<LabBmc> {
    let bmc: LabBmc | undefined;
    const server = createServer((req, res) => {
      bmc!.handle(req, res).catch((err: Error) => {
        logger.error({ err: err.message, url: req.url }, 'lab BMC: request failed');
        if (!res.headersSent) reply(res, 500, 'Base.1.0.InternalError', err.message);
      });
    });
    bmc = new LabBmc(server, machine, logger);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return bmc;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The reset action's URL of a node. */
  resetUrl(node: string): string {
    return `${this.url}/redfish/v1/Systems/${node}/Actions/ComputerSystem.Reset`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const m = SYSTEM.exec(req.url ?? '');
    const machine = m ? this.machine(m[1]!) : undefined;
    if (!m || !machine) return reply(res, 404, 'Base.1.0.ResourceMissingAtURI', `no system at ${req.url}`);
    const node = m[1]!;
    const power = powerState(machine);
    if (!m[2]) {
      if (req.method !== 'GET') return reply(res, 405, 'Base.1.0.OperationNotAllowed', `${req.method} is not allowed here`);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ Id: node, PowerState: power }));
      return;
    }
    if (req.method !== 'POST') return reply(res, 405, 'Base.1.0.OperationNotAllowed', `${req.method} is not allowed here`);
    const body = await readBody(req);
    if (body === undefined) return reply(res, 413, 'Base.1.0.GeneralError', `body larger than ${MAX_BODY_BYTES} bytes`);
    let resetType: unknown;
    try {
      resetType = (JSON.parse(body) as { ResetType?: unknown }).ResetType;
    } catch {
      return reply(res, 400, 'Base.1.0.MalformedJSON', 'the body is not JSON');
    }
    if (!RESET_TYPES.includes(resetType as ResetType)) {
      return reply(res, 400, 'Base.1.0.ActionParameterValueNotInList', `ResetType ${JSON.stringify(resetType)} is not one of ${RESET_TYPES.join(', ')}`);
    }
    this.resets.push({ node, resetType: resetType as ResetType, powerBefore: power });
    this.logger.info({ node, resetType, power }, 'lab BMC: reset requested');
    if (power === 'Off') machine.start();
    else if (resetType === 'ForceRestart') void machine.stop(0).then(() => machine.start());
    res.writeHead(204).end();
  }
}

function powerState(machine: NodeMachine): 'On' | 'Off' {
  return machine.state === 'off' || machine.state === 'crashed' || machine.state === 'stopped' ? 'Off' : 'On';
}

function reply(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code, message } }));
}

/** The body as text, or undefined when it is too large. */
async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
