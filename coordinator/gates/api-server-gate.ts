import type { ApiServerReadinessReader } from '../cluster/api-server-readiness.js';
import { fromReading } from './cluster-gates.js';
import type { Gate, GateVerdict } from './gate.js';

/** The API server says it is ready (`/readyz`: etcd reachable, informers synced, not shutting down). */
export class ApiServerReadyGate implements Gate {
  readonly name = 'apiserver' as const;
  constructor(private readonly reader: ApiServerReadinessReader) {}

  async check(signal?: AbortSignal): Promise<GateVerdict> {
    return fromReading(await this.reader.read(signal), 'API server ready (/readyz)');
  }
}
