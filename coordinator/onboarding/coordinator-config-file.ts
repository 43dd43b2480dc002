import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { isMap, isNode, isScalar, isSeq, parseDocument, Scalar, YAMLSeq, type Document, type Node } from 'yaml';
import type { NodeRole } from '../ports/cluster.js';

/**
 * DIR/config.yaml of `noderoll init`: written once from the annotated example
 * (coordinator/config/example-config.yaml: its comments and defaults) with the cluster's nodes and
 * the bundle's TLS files; on a later run only new nodes are appended to `nodes:`, as text inserted
 * after the last entry, so every other byte the operator wrote (comments, alignment, edits) stays.
 */

export const EXAMPLE_CONFIG_FILE = fileURLToPath(new URL('../../../coordinator/config/example-config.yaml', import.meta.url));

export interface ConfigNodeEntry {
  name: string;
  agent: string;
  role: NodeRole;
}

export interface NewConfigOptions {
  cluster: string;
  kubernetesVersion: string;
  nodes: readonly ConfigNodeEntry[];
  /** Paths relative to the config file (the directory can be moved as a whole). */
  tls: { ca: string; cert: string; key: string };
  kubeconfig?: string;
  context?: string;
  /** etcd client URLs: the etcd gate and the backup talk to these instead of Gravity's defaults. */
  etcdEndpoints?: readonly string[];
  /** false: no gravity on this host, the gravity gate is turned off. */
  gravityFound: boolean;
}

export async function readExampleConfig(): Promise<string> {
  try {
    return await readFile(EXAMPLE_CONFIG_FILE, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the annotated example config ${EXAMPLE_CONFIG_FILE} that init starts from (is this a complete noderoll installation?): ${(err as Error).message}`);
  }
}

function flowSeq(doc: Document, items: readonly string[]): Node {
  const seq = doc.createNode(items);
  if (isSeq(seq)) seq.flow = true;
  return seq;
}

function nodeEntryNode(doc: Document, entry: ConfigNodeEntry): Node {
  const map = doc.createNode({ name: entry.name, agent: entry.agent, role: entry.role });
  if (isMap(map)) {
    map.flow = true;
    const agent = map.get('agent', true);
    if (isScalar(agent)) agent.type = Scalar.QUOTE_DOUBLE;
  }
  return map;
}

function setWithComment(doc: Document, path: readonly string[], value: string, comment: string): void {
  doc.setIn(path, value);
  const parent = doc.getIn(path.slice(0, -1), true);
  const node = isMap(parent) ? parent.get(path[path.length - 1], true) : undefined;
  if (isScalar(node)) node.comment = comment;
}

/** The text of one `nodes:` entry, as the generated file writes it. */
export function nodeEntryText(entry: ConfigNodeEntry): string {
  return `{ name: ${entry.name}, agent: "${entry.agent}", role: ${entry.role} }`;
}

export function newCoordinatorConfigText(example: string, o: NewConfigOptions): string {
  const doc = parseDocument(example);
  doc.commentBefore =
    ` noderoll coordinator configuration for cluster ${o.cluster} (Kubernetes ${o.kubernetesVersion}), written by noderoll init.\n` +
    ' Running init again adds nodes that joined; it changes nothing else here, so edit freely.' +
    (doc.commentBefore ? `\n${doc.commentBefore}` : '');
  const nodes = new YAMLSeq<Node>();
  nodes.items = o.nodes.map((n) => nodeEntryNode(doc, n));
  doc.set('nodes', nodes);
  const nodesKey = isMap(doc.contents) ? doc.contents.items.find((p) => isScalar(p.key) && p.key.value === 'nodes')?.key : undefined;
  if (isScalar(nodesKey)) {
    nodesKey.commentBefore =
      ' Every node noderoll may update, with its agent\'s address, as noderoll init found them (name, InternalIP,\n' +
      ' role from the labels and gravity). A node that left the cluster is reported by init, never removed: delete it here.';
  }
  doc.setIn(['agents', 'tls', 'ca'], o.tls.ca);
  doc.setIn(['agents', 'tls', 'cert'], o.tls.cert);
  doc.setIn(['agents', 'tls', 'key'], o.tls.key);
  // Everything of this cluster in the one directory init wrote: the operation's state, log and backups
  // beside the config and certificates (relative paths are taken from this file's directory), so an
  // operator needs no root for /var/lib and two clusters' coordinators never share a state file.
  setWithComment(doc, ['state', 'file'], 'state/state.json', ' beside this file (noderoll init); lock: state.json.lock; abort requests: state.json.abort');
  setWithComment(doc, ['log', 'file'], 'state/noderoll.log', ' pino JSON, beside this file (noderoll init)');
  setWithComment(doc, ['backup', 'artifact'], 'state/backups/{operation}.db', ' beside this file (noderoll init)');
  if (o.kubeconfig) doc.setIn(['kubernetes', 'kubeconfig'], o.kubeconfig);
  if (o.context) doc.setIn(['kubernetes', 'context'], o.context);
  if (!o.gravityFound) {
    doc.setIn(['gates', 'gravity', 'enabled'], false);
    const gate = doc.getIn(['gates', 'gravity'], true);
    if (isMap(gate)) gate.comment = ' off: noderoll init found no gravity on this host';
  }
  if (o.etcdEndpoints && o.etcdEndpoints.length > 0) {
    doc.setIn(['gates', 'etcd', 'format'], 'v2');
    doc.setIn(['gates', 'etcd', 'command'], flowSeq(doc, ['etcdctl', `--endpoints=${o.etcdEndpoints.join(',')}`, 'cluster-health']));
    const env = doc.createNode({ ETCDCTL_API: '2' });
    if (isMap(env)) {
      env.flow = true;
      const api = env.get('ETCDCTL_API', true);
      if (isScalar(api)) api.type = Scalar.QUOTE_DOUBLE;
    }
    doc.setIn(['gates', 'etcd', 'env'], env);
    const backup = flowSeq(doc, ['etcdctl', `--endpoints=${o.etcdEndpoints[0]}`, 'snapshot', 'save', '{artifact}']);
    if (isSeq(backup)) {
      const artifact = backup.items[4];
      if (isScalar(artifact)) artifact.type = Scalar.QUOTE_DOUBLE;
    }
    doc.setIn(['backup', 'command'], backup);
  }
  return doc.toString({ lineWidth: 0 });
}

/** Names of the nodes a config lists (entries without a string name are skipped: validation reports them). */
export function configuredNodeNames(text: string): string[] {
  const nodes = parseDocument(text).get('nodes', true);
  if (!isSeq(nodes)) return [];
  return nodes.items.flatMap((item) => {
    const name = isMap(item) ? item.get('name') : undefined;
    return typeof name === 'string' ? [name] : [];
  });
}

/**
 * `text` with `entries` appended to its `nodes:` list. A block list gets one line per entry after
 * its last entry, indented like its first, and nothing else changes; a flow list (`nodes: [...]`)
 * or a missing one is rewritten through the YAML document (comments kept, layout normalised).
 */
export function addNodesToConfigText(text: string, entries: readonly ConfigNodeEntry[]): { text: string; reformatted: boolean } {
  if (entries.length === 0) return { text, reformatted: false };
  const doc = parseDocument(text);
  const nodes = doc.get('nodes', true);
  const items = isSeq(nodes) && !nodes.flow ? nodes.items.filter(isNode) : [];
  const firstStart = items[0]?.range?.[0];
  const lastEnd = items[items.length - 1]?.range?.[1];
  if (firstStart !== undefined && lastEnd !== undefined) {
    const lineStart = text.lastIndexOf('\n', firstStart) + 1;
    const indent = /^[ \t]*/.exec(text.slice(lineStart, firstStart))?.[0] ?? '';
    const lines = entries.map((e) => `${indent}- ${nodeEntryText(e)}\n`).join('');
    const lineEnd = text.indexOf('\n', lastEnd);
    if (lineEnd < 0) return { text: `${text}\n${lines}`, reformatted: false };
    return { text: text.slice(0, lineEnd + 1) + lines + text.slice(lineEnd + 1), reformatted: false };
  }
  const seq = isSeq(nodes) ? nodes : new YAMLSeq();
  seq.flow = false;
  for (const e of entries) seq.items.push(nodeEntryNode(doc, e));
  doc.set('nodes', seq);
  return { text: doc.toString({ lineWidth: 0 }), reformatted: true };
}
