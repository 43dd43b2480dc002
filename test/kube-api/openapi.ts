import { RESOURCES, type ResourceInfo } from './resource-registry.js';

/**
 * The OpenAPI v3 documents kubectl reads before `create -f`, `replace -f` and `apply -f`: it
 * looks for the PATCH operation of the object's kind and its `fieldValidation` query parameter,
 * and with it leaves field validation to the server. Only that much of the real spec is served:
 * no schemas, so kubectl computes apply patches from its compiled-in types.
 */

function groupVersionPath(info: ResourceInfo): string {
  return info.group ? `apis/${info.group}/${info.version}` : `api/${info.version}`;
}

/** GET /openapi/v3: one entry per group-version. */
export function openApiRoot(): object {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const info of RESOURCES) {
    const gv = groupVersionPath(info);
    paths[gv] = { serverRelativeURL: `/openapi/v3/${gv}` };
  }
  return { paths };
}

/** GET /openapi/v3/api/v1, /openapi/v3/apis/G/V; undefined for a group-version not served. */
export function openApiGroupVersion(gvPath: string, serverVersion: string): object | undefined {
  const resources = RESOURCES.filter((r) => groupVersionPath(r) === gvPath);
  if (resources.length === 0) return undefined;
  const paths: Record<string, object> = {};
  for (const r of resources) {
    const scope = r.namespaced ? '/namespaces/{namespace}' : '';
    paths[`/${gvPath}${scope}/${r.resource}/{name}`] = {
      patch: {
        operationId: `patch${r.namespaced ? 'Namespaced' : ''}${r.kind}`,
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': { group: r.group, version: r.version, kind: r.kind },
        parameters: [
          { name: 'dryRun', in: 'query', schema: { type: 'string', uniqueItems: true } },
          { name: 'fieldManager', in: 'query', schema: { type: 'string', uniqueItems: true } },
          { name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } },
          { name: 'force', in: 'query', schema: { type: 'boolean', uniqueItems: true } },
        ],
        responses: { '200': { description: 'OK' } },
      },
    };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: serverVersion }, paths, components: { schemas: {} } };
}
