import type { StateLock } from '../state/state-store.js';

/**
 * The same object, with every method call first asking the lock whether this process may still act
 * (StateLock.ensureHeld, local and cheap). A coordinator that lost its lease — taken over while it was
 * frozen, or unable to renew — fails its next call with LockLostError before anything reaches a node
 * or the cluster. The fenced ports' methods all return promises (close() aside, which only releases
 * local resources and stays unfenced), so a refusal is a rejected promise, never a synchronous throw.
 */
export function fenceByLock<T extends object>(target: T, lock: StateLock): T {
  return new Proxy(target, {
    get: (t, prop, receiver) => {
      const value = Reflect.get(t, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      if (prop === 'close') return (value as (...a: unknown[]) => unknown).bind(t);
      return (...args: unknown[]) => {
        try {
          lock.ensureHeld();
        } catch (err) {
          return Promise.reject(err);
        }
        return (value as (...a: unknown[]) => unknown).apply(t, args);
      };
    },
  });
}
