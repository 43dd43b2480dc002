import type { StateLock } from '../state/state-store.js';
import { interceptMethods } from './intercept-methods.js';

/**
 * The same object, with every method call first asking the lock whether this process may still act
 * (StateLock.ensureHeld, local and cheap). A coordinator that lost its lease — taken over while it was
 * frozen, or unable to renew — fails its next call with LockLostError before anything reaches a node
 * or the cluster. The fenced ports' methods all return promises (close() aside, which only releases
 * local resources and stays unfenced), so a refusal is a rejected promise, never a synchronous throw.
 */
export function fenceByLock<T extends object>(target: T, lock: StateLock): T {
  return interceptMethods(target, (method, invoke) => {
    if (method === 'close') return invoke();
    try {
      lock.ensureHeld();
    } catch (err) {
      return Promise.reject(err);
    }
    return invoke();
  });
}
