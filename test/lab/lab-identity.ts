import { randomBytes } from 'node:crypto';

/**
 * Names and addresses of one lab. Everything a lab creates on the host (netns, veths, machine
 * names, directories) carries its id, so two labs never collide and teardown removes only its own.
 */

const LAB_ID = /^[a-z0-9]{1,6}$/;

export function validateLabId(id: string): string {
  if (!LAB_ID.test(id)) throw new Error(`lab id: "${id}" must be 1-6 lowercase letters or digits`);
  return id;
}

export function randomLabId(): string {
  return 't' + randomBytes(3).toString('hex').slice(0, 5);
}

export interface NodeNames {
  index: number;
  /** Hostname and Kubernetes Node name. */
  name: string;
  /** systemd-nspawn machine name: unique on the host. */
  machine: string;
  netns: string;
  hostVeth: string;
  nodeVethTmp: string;
  bridgePort: string;
  bridgeVethTmp: string;
  /** Host side of the node's /30 link: the node reaches host services here. */
  hostAddress: string;
  /** Node side of the /30 link: the host reaches the node (agent, etcd clients) here. */
  nodeAddress: string;
  /** Address on the node-to-node bridge (etcd peers). */
  bridgeAddress: string;
}

export class LabIdentity {
  constructor(
    readonly id: string,
    /** Second octet of every 127.x address of this lab. */
    readonly octet: number,
  ) {
    validateLabId(id);
    if (!Number.isInteger(octet) || octet < 2 || octet > 254) throw new Error(`lab octet: ${octet} must be 2..254`);
  }

  get bridgeNetns(): string {
    return `nrl-${this.id}-br`;
  }

  get netnsPrefix(): string {
    return `nrl-${this.id}-`;
  }

  get linkPrefix(): string {
    return `nr${this.id}`;
  }

  node(index: number): NodeNames {
    if (!Number.isInteger(index) || index < 1 || index > 60) throw new Error(`node index: ${index} must be 1..60`);
    const p = this.linkPrefix;
    // /30 per node: 127.O.(index).0/30 -> host .1, node .2; bridge on 127.O.0.0/24.
    return {
      index,
      name: `node-${index}`,
      machine: `nr${this.id}-node-${index}`,
      netns: `${this.netnsPrefix}n${index}`,
      hostVeth: `${p}h${index}`,
      nodeVethTmp: `${p}n${index}`,
      bridgePort: `${p}b${index}`,
      bridgeVethTmp: `${p}e${index}`,
      hostAddress: `127.${this.octet}.${index}.1`,
      nodeAddress: `127.${this.octet}.${index}.2`,
      bridgeAddress: `127.${this.octet}.0.${index}`,
    };
  }
}
