import { certificateInfo, type CertificateInfo } from '../../shared/pki/certificate-info.js';

/**
 * Peer certificates read once: a client presents the same certificate on each of its connections
 * and the agent identifies every call from it, so the DER is parsed (X509Certificate, 0.15–0.25 ms
 * here; four times per connection of a preflight) once per certificate, not at every admission and
 * every call. Reading is a pure function of the bytes (validity is judged by the TLS handshake and
 * admitPeer, not here); the cache holds the last MAX_ENTRIES certificates seen.
 */

const MAX_ENTRIES = 64;
const cache = new Map<string, CertificateInfo>();

/** certificateInfo(raw), from the cache when these bytes were read before; throws as certificateInfo does (nothing cached). */
export function peerCertificateInfo(raw: Buffer): CertificateInfo {
  const key = raw.toString('base64');
  const hit = cache.get(key);
  if (hit) {
    // Most recently used last, so the oldest is evicted first.
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const info = certificateInfo(raw);
  cache.set(key, info);
  if (cache.size > MAX_ENTRIES) cache.delete(cache.keys().next().value!);
  return info;
}

/** How many certificates the cache holds (tests). */
export function peerCertificateCacheSize(): number {
  return cache.size;
}
