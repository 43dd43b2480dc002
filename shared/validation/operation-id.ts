import { FieldError, showValue } from './field-error.js';

/**
 * Operation IDs name one mutating request across retries, restarts and reboots. The coordinator
 * makes them (e.g. `roll-20261127-node-1-install`); the agent only checks their shape.
 */

export const OPERATION_ID_MAX_LENGTH = 128;
const OPERATION_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

export function validateOperationId(field: string, id: unknown): string {
  if (typeof id !== 'string') throw new FieldError(field, `must be a string, got ${typeof id}`);
  if (id.length === 0) throw new FieldError(field, 'is required for a mutating call (pick a unique ID per operation; repeat it to retry safely)');
  if (id.length > OPERATION_ID_MAX_LENGTH) throw new FieldError(field, `is ${id.length} characters long; at most ${OPERATION_ID_MAX_LENGTH}`);
  if (!OPERATION_ID.test(id)) throw new FieldError(field, `${showValue(id)} must be letters, digits, ".", "_", ":" or "-", starting with a letter or digit`);
  return id;
}
