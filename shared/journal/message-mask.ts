/**
 * A journal message with the parts that change every time (UUIDs, addresses, long hex IDs,
 * numbers) masked, so the same error compares equal across boots. Used by the coordinator's
 * signature and by the agent for the digest of messages it could not send whole.
 */
export function maskVariableParts(message: string): string {
  return message
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<uuid>')
    .replace(/\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b/g, '<ip>')
    .replace(/\b[0-9a-f]{12,}\b/gi, '<hex>')
    .replace(/\d+/g, '<n>')
    .replace(/\s+/g, ' ')
    .trim();
}
