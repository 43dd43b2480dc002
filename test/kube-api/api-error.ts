import type { Status, StatusCause } from './k8s-types.js';

/** How an object is named in API messages: "nodes", "daemonsets.apps", "poddisruptionbudgets.policy". */
export interface ResourceName {
  resource: string;
  group: string;
}

export function qualifiedResource(r: ResourceName): string {
  return r.group ? `${r.resource}.${r.group}` : r.resource;
}

/** An error the API answers with a metav1.Status body; `code` is the HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: Status['details'],
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toStatus(): Status {
    const status: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, code: this.code };
    if (this.reason) status.reason = this.reason;
    if (this.details) status.details = this.details;
    return status;
  }
}

function nameDetails(r: ResourceName, name: string): Status['details'] {
  return r.group ? { name, group: r.group, kind: r.resource } : { name, kind: r.resource };
}

export const notFound = (r: ResourceName, name: string): ApiError =>
  new ApiError(404, 'NotFound', `${qualifiedResource(r)} "${name}" not found`, nameDetails(r, name));

export const alreadyExists = (r: ResourceName, name: string): ApiError =>
  new ApiError(409, 'AlreadyExists', `${qualifiedResource(r)} "${name}" already exists`, nameDetails(r, name));

export const conflict = (r: ResourceName, name: string): ApiError =>
  new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(r)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    nameDetails(r, name),
  );

export const badRequest = (message: string): ApiError => new ApiError(400, 'BadRequest', message);

export const invalid = (kind: string, name: string, causes: StatusCause[]): ApiError =>
  new ApiError(
    422,
    'Invalid',
    // One cause reads bare; several are bracketed, as an aggregated field.ErrorList prints.
    `${kind} "${name}" is invalid: ${causes.length === 1 ? '' : '['}${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}${causes.length === 1 ? '' : ']'}`,
    { name, kind, causes: causes.map((c) => ({ reason: 'FieldValueRequired', ...c })) },
  );

export const pathNotFound = (): ApiError => new ApiError(404, 'NotFound', 'the server could not find the requested resource');

export const methodNotAllowed = (method: string): ApiError =>
  new ApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource (${method})`);

export const bodyTooLarge = (limit: number): ApiError =>
  new ApiError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`);

export const unsupportedMediaType = (contentType: string, accepted: readonly string[]): ApiError =>
  new ApiError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format (${contentType || 'none'}) - accepted media types include: ${accepted.join(', ')}`,
  );

export const internalError = (message: string): ApiError => new ApiError(500, 'InternalError', message);

export function successStatus(code: number, details?: Status['details']): Status {
  const status: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code };
  if (details) status.details = details;
  return status;
}
