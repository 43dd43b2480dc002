/**
 * The same object, with every method call passed through `around` (which calls `invoke` to run the
 * method with its arguments, bound to the target). Properties that are not functions pass unchanged.
 * The engine fences its ports by the lock and counts their calls as waiting this way.
 */
export function interceptMethods<T extends object>(target: T, around: (method: PropertyKey, invoke: () => unknown) => unknown): T {
  return new Proxy(target, {
    get: (t, prop, receiver) => {
      const value = Reflect.get(t, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => around(prop, () => (value as (...a: unknown[]) => unknown).apply(t, args));
    },
  });
}
