import { nodeNameProblem } from '../validation/node-name.js';

/**
 * Who a noderoll certificate speaks for, encoded as SPIFFE-style URIs in its subjectAltName:
 *
 *   spiffe://noderoll/role/coordinator   a client that may call every agent RPC
 *   spiffe://noderoll/role/reader        a client that may call only read RPCs (monitoring)
 *   spiffe://noderoll/node/<node-name>   an agent: the node it serves (checked by its clients)
 *
 * The URI is the only thing authorization reads (the CN is a label for humans and audit logs).
 * A certificate carries exactly one noderoll identity; one with several is refused as ambiguous.
 * Each cluster has its own CA, so the trust domain does not need to name the cluster.
 */

export const TRUST_DOMAIN = 'noderoll';
export const CLIENT_ROLES = ['coordinator', 'reader'] as const;
export type ClientRole = (typeof CLIENT_ROLES)[number];

const ROLE_PREFIX = `spiffe://${TRUST_DOMAIN}/role/`;
const NODE_PREFIX = `spiffe://${TRUST_DOMAIN}/node/`;

export function roleUri(role: ClientRole): string {
  return `${ROLE_PREFIX}${role}`;
}

export function nodeUri(node: string): string {
  return `${NODE_PREFIX}${node}`;
}

export function isClientRole(s: string): s is ClientRole {
  return (CLIENT_ROLES as readonly string[]).includes(s);
}

export type NoderollIdentity = { kind: 'role'; role: ClientRole } | { kind: 'node'; node: string };

/**
 * The noderoll identity among a certificate's URIs: `{ identity }`, or `{ problem }` when there is
 * none, more than one, or one that does not parse (an unknown role, an invalid node name).
 */
export function noderollIdentity(uris: readonly string[]): { identity: NoderollIdentity; problem?: undefined } | { identity?: undefined; problem: string } {
  const ours = uris.filter((u) => u.startsWith(`spiffe://${TRUST_DOMAIN}/`));
  if (ours.length === 0) return { problem: `carries no noderoll identity (a subjectAltName URI ${ROLE_PREFIX}<coordinator|reader> or ${NODE_PREFIX}<node>)` };
  if (ours.length > 1) return { problem: `carries ${ours.length} noderoll identities (${ours.join(', ')}); a certificate must carry exactly one` };
  const uri = ours[0]!;
  if (uri.startsWith(ROLE_PREFIX)) {
    const role = uri.slice(ROLE_PREFIX.length);
    if (!isClientRole(role)) return { problem: `names an unknown role in ${uri} (roles: ${CLIENT_ROLES.join(', ')})` };
    return { identity: { kind: 'role', role } };
  }
  if (uri.startsWith(NODE_PREFIX)) {
    const node = uri.slice(NODE_PREFIX.length);
    const problem = nodeNameProblem(node);
    if (problem) return { problem: `names an invalid node in ${uri}: ${problem}` };
    return { identity: { kind: 'node', node } };
  }
  return { problem: `has a noderoll URI of an unknown kind: ${uri}` };
}

export interface SubjectAltNames {
  dns: string[];
  ip: string[];
  uri: string[];
  /** Entries of other types (email, DirName, …), as written. */
  other: string[];
}

/**
 * Parses Node's rendering of subjectAltName (`X509Certificate.subjectAltName`,
 * `PeerCertificate.subjectaltname`): `DNS:a, IP Address:1.2.3.4, URI:spiffe://…`, where a value
 * holding a comma, quote or control character is a JSON string (`DNS:"a,b"`), so a crafted name
 * cannot smuggle a second entry in.
 */
export function parseSubjectAltNames(text: string | undefined): SubjectAltNames {
  const out: SubjectAltNames = { dns: [], ip: [], uri: [], other: [] };
  if (!text) return out;
  let i = 0;
  while (i < text.length) {
    const colon = text.indexOf(':', i);
    if (colon < 0) throw new Error(`subjectAltName: cannot parse ${JSON.stringify(text.slice(i, i + 60))}`);
    const type = text.slice(i, colon);
    let value: string;
    let next: number;
    if (text[colon + 1] === '"') {
      // A JSON string: find its closing quote (skipping escapes) and let JSON.parse unescape it.
      let j = colon + 2;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (j >= text.length) throw new Error('subjectAltName: unterminated quoted value');
      value = JSON.parse(text.slice(colon + 1, j + 1)) as string;
      next = j + 1;
    } else {
      const comma = text.indexOf(', ', colon + 1);
      next = comma < 0 ? text.length : comma;
      value = text.slice(colon + 1, next);
    }
    if (type === 'DNS') out.dns.push(value);
    else if (type === 'IP Address') out.ip.push(value);
    else if (type === 'URI') out.uri.push(value);
    else out.other.push(`${type}:${value}`);
    if (next < text.length && !text.startsWith(', ', next)) throw new Error(`subjectAltName: expected ", " after ${type}:${value}`);
    i = next + 2;
  }
  return out;
}
