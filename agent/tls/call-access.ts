import type { ServerUnaryCall } from '@grpc/grpc-js';
import { AgentError } from '../agent-error.js';
import { callerFromCertificate, PLAINTEXT_CALLER, type CallerIdentity } from './peer-admission.js';

/**
 * Who made a gRPC call. With mutual TLS the gate admitted only connections with a valid role
 * certificate, and each call is still identified from its own connection's certificate (no
 * certificate here means the call did not come through the gate: refused). In insecure-plaintext
 * mode every caller is the same unauthenticated coordinator, which the audit lines say.
 */

type AuthContext = ReturnType<ServerUnaryCall<unknown, unknown>['getAuthContext']>;

export interface CallAccess {
  readonly insecure: boolean;
  callerOf(call: { getAuthContext(): AuthContext }): CallerIdentity;
}

export const plaintextAccess: CallAccess = {
  insecure: true,
  callerOf: () => PLAINTEXT_CALLER,
};

export const mutualTlsAccess: CallAccess = {
  insecure: false,
  callerOf(call) {
    const raw = call.getAuthContext().sslPeerCertificate?.raw;
    if (!raw) throw new AgentError('UNAUTHENTICATED', 'the call carries no verified client certificate');
    const who = callerFromCertificate(raw);
    if (who.problem !== undefined) throw new AgentError('UNAUTHENTICATED', who.problem);
    return who.caller;
  },
};
