import type { SecureContextOptions } from 'node:tls';
import type { TlsVersion } from '../config/agent-config.js';
import type { TlsMaterial } from './tls-material.js';

/**
 * The TLS settings every agent listener shares: the cluster CA as the only trust root, the
 * agent's certificate, TLS 1.2 at least (1.3 when configured), and for TLS 1.2 only ECDHE key
 * exchange with AEAD ciphers (TLS 1.3 suites are all AEAD). Prometheus and grpc-js speak these.
 */

export const TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

export function secureContextOptions(m: TlsMaterial, minVersion: TlsVersion): SecureContextOptions {
  return { ca: m.ca, cert: m.cert, key: m.key, minVersion, ciphers: TLS12_CIPHERS, honorCipherOrder: true };
}
