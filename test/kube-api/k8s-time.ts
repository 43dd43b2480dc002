/** metav1.Time renders RFC 3339 at whole seconds, e.g. 2025-01-02T03:04:05Z. */
export function toKubeTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Milliseconds since the epoch, or undefined when the text is not a timestamp. */
export function parseKubeTime(text: string | null | undefined): number | undefined {
  if (!text) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}
