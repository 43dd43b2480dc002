import { loadPackageDefinition, type GrpcObject } from '@grpc/grpc-js';
import { fromJSON, loadSync, type Options } from '@grpc/proto-loader';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProtoGrpcType } from './generated/agent.js';

/**
 * Loading of proto/noderoll/agent/v1/agent.proto. The loader options and the generator flags
 * below describe the same mapping (camelCase fields, int64 as number, enums as their names,
 * defaults filled in, a virtual field naming the set oneof member): change them together and
 * regenerate (see codegen.ts).
 */

export const PROTO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../proto');
export const AGENT_PROTO_FILE = join(PROTO_ROOT, 'noderoll/agent/v1/agent.proto');
export const AGENT_SERVICE_NAME = 'noderoll.agent.v1.NodeAgent';
/** The contract version this agent serves (NodeInfo.api_version): the `v1` of the proto package. */
export const AGENT_API_VERSION = 'v1';

export const LOADER_OPTIONS: Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_ROOT],
};

export const GEN_TYPES_FLAGS: readonly string[] = [
  '--longs',
  'Number',
  '--enums',
  'String',
  '--defaults',
  '--oneofs',
  '--includeComments',
  '--grpcLib',
  '@grpc/grpc-js',
  '--importFileExtension',
  '.js',
];

/**
 * The agent proto as protobufjs JSON (agentProtoJson of packaging/agent-bundle.ts), set by the
 * package builder through an esbuild define: the self-contained agent reads no .proto file.
 */
declare const NODEROLL_EMBEDDED_AGENT_PROTO: string | undefined;

let cached: ProtoGrpcType | undefined;

/** The agent API package, typed by the generated ProtoGrpcType. */
export function loadAgentApi(): ProtoGrpcType {
  if (!cached) {
    const definition =
      typeof NODEROLL_EMBEDDED_AGENT_PROTO === 'string' ? fromJSON(JSON.parse(NODEROLL_EMBEDDED_AGENT_PROTO) as Parameters<typeof fromJSON>[0], LOADER_OPTIONS) : loadSync(AGENT_PROTO_FILE, LOADER_OPTIONS);
    cached = loadPackageDefinition(definition) as GrpcObject as unknown as ProtoGrpcType;
  }
  return cached;
}

export function nodeAgentService(): ProtoGrpcType['noderoll']['agent']['v1']['NodeAgent']['service'] {
  return loadAgentApi().noderoll.agent.v1.NodeAgent.service;
}
