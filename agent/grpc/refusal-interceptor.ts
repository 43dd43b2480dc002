import { ServerInterceptingCall, status, type ServerInterceptingCallInterface, type ServerInterceptor } from '@grpc/grpc-js';
import { peerCertificateInfo } from '../tls/peer-certificate-cache.js';
import type { CallAccess } from '../tls/call-access.js';
import { isMutatingRpc } from '../tls/rpc-authorization.js';
import { auditArguments } from './agent-service.js';
import { isRefusalCode, type RefusalAudit } from './refusal-audit.js';

/**
 * Audits every refused gRPC call, wherever it was refused: by the handler (authorization,
 * validation, limits) or by grpc-js before any handler ran — a message over
 * grpc.max_receive_message_length (RESOURCE_EXHAUSTED) or one that does not deserialize
 * (INTERNAL). The line names the method, the status and whatever identity is known: the peer
 * address, and the caller and certificate (subject, serial, SHA-256, URIs) of the connection.
 * The arguments of a mutating call are included when the request could be read.
 *
 * grpc-js sends the statuses of those early refusals from the innermost call object itself,
 * past every interceptor's responder, so the interceptor watches that object's sendStatus (the
 * one call every status goes through) rather than its own responder.
 */

/** Who is calling, as far as the connection tells: never throws. */
function callIdentity(call: ServerInterceptingCallInterface, access: CallAccess): Record<string, unknown> {
  const fields: Record<string, unknown> = { peer: call.getPeer() };
  try {
    const caller = access.callerOf(call);
    fields.caller = caller.text;
    fields.role = caller.role;
  } catch (err) {
    fields.caller = 'unidentified';
    fields.identityProblem = (err as Error).message;
  }
  const raw = call.getAuthContext().sslPeerCertificate?.raw;
  if (raw) {
    try {
      const info = peerCertificateInfo(raw);
      fields.certificate = { subject: info.subject, serial: info.serial, sha256: info.fingerprint256, uris: info.uris };
    } catch {
      fields.certificate = 'unreadable';
    }
  }
  return fields;
}

export function refusalAuditInterceptor(audit: RefusalAudit, access: CallAccess): ServerInterceptor {
  return (descriptor, call) => {
    const method = descriptor.path.slice(descriptor.path.lastIndexOf('/') + 1);
    let request: object | undefined;
    let ended = false;
    const onStatus = (st: { code?: status; details?: string }): void => {
      if (ended) return;
      ended = true;
      const code = st.code === undefined ? 'UNKNOWN' : (status[st.code] ?? String(st.code));
      const beforeHandler = request === undefined;
      if (code === 'OK' || !(beforeHandler || isRefusalCode(code))) return;
      const args = request && isMutatingRpc(method) ? { args: auditArguments(request) } : {};
      const msg = beforeHandler ? `call ${method} refused before its handler ran (${code})` : `call ${method} refused (${code})`;
      audit.refused({ method, ...callIdentity(call, access), ...args, code, details: st.details, ...(beforeHandler ? { stage: 'before-handler' } : {}) }, msg);
    };
    const sendStatus = call.sendStatus.bind(call);
    call.sendStatus = (st) => {
      onStatus(st);
      sendStatus(st);
    };
    return new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMessage: (message: object, pass) => {
            request = message;
            pass(message);
          },
        }),
    });
  };
}
