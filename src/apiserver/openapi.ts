// OpenAPI v3 documents generated from the resource catalog. Their main consumer is kubectl's
// validation: for each kind it looks for a PATCH operation tagged with the kind's GVK that accepts
// `fieldValidation`, and then leaves validation to the server. /openapi/v2 is not served (kubectl
// would insist on protobuf).
import { createHash } from 'node:crypto';
import { KUBERNETES_MAJOR, KUBERNETES_MINOR } from '../api/version.js';
import { groupVersion, type ResourceInfo } from './resources.js';

type Json = Record<string, unknown>;

function param(name: string, where: 'query' | 'path', type = 'string'): Json {
  return { name, in: where, ...(where === 'path' ? { required: true } : {}), schema: { type } };
}

const OK = { '200': { description: 'OK' } };

function schemaName(r: ResourceInfo): string {
  const group = r.group === '' ? 'core' : r.group;
  return `io.k8s.api.${group}.${r.version}.${r.kind}`;
}

function objectSchema(r: ResourceInfo): Json {
  return {
    type: 'object',
    description: `${r.kind} (${groupVersion(r)}), served by kbox.`,
    'x-kubernetes-group-version-kind': [{ group: r.group, version: r.version, kind: r.kind }],
    properties: {
      apiVersion: { type: 'string', description: 'APIVersion of this object.' },
      kind: { type: 'string', description: 'Kind of this object.' },
      metadata: {
        type: 'object',
        description: "Standard object's metadata.",
        'x-kubernetes-preserve-unknown-fields': true,
      },
      spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    },
  };
}

function pathsFor(r: ResourceInfo): Record<string, Json> {
  const gvk = { group: r.group, version: r.version, kind: r.kind };
  const base = r.group === '' ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
  const collection = r.namespaced
    ? `${base}/namespaces/{namespace}/${r.resource}`
    : `${base}/${r.resource}`;
  const pathParams = r.namespaced ? [param('namespace', 'path')] : [];
  const write = [
    param('dryRun', 'query'),
    param('fieldManager', 'query'),
    param('fieldValidation', 'query'),
  ];
  const op = (extra: Json = {}): Json => ({
    'x-kubernetes-group-version-kind': gvk,
    responses: OK,
    ...extra,
  });
  const paths: Record<string, Json> = {};
  const verbs = new Set<string>(r.verbs);
  if (verbs.has('list') || verbs.has('create')) {
    const entry: Json = { parameters: pathParams };
    if (verbs.has('list')) entry.get = op({ 'x-kubernetes-action': 'list' });
    if (verbs.has('create')) entry.post = op({ 'x-kubernetes-action': 'post', parameters: write });
    paths[collection] = entry;
  }
  if (verbs.has('get')) {
    paths[`${collection}/{name}`] = {
      parameters: [...pathParams, param('name', 'path')],
      get: op({ 'x-kubernetes-action': 'get' }),
      put: op({ 'x-kubernetes-action': 'put', parameters: write }),
      patch: op({
        'x-kubernetes-action': 'patch',
        parameters: [...write, param('force', 'query', 'boolean')],
      }),
      delete: op({ 'x-kubernetes-action': 'delete' }),
    };
  }
  return paths;
}

export interface OpenApi {
  root(): Json;
  /** The document for `api/v1` or `apis/<group>/<version>`, or undefined. */
  document(path: string): Json | undefined;
}

export function buildOpenApi(resources: readonly ResourceInfo[]): OpenApi {
  const byPath = new Map<string, ResourceInfo[]>();
  for (const r of resources) {
    const path = r.group === '' ? `api/${r.version}` : `apis/${r.group}/${r.version}`;
    byPath.set(path, [...(byPath.get(path) ?? []), r]);
  }
  const docs = new Map<string, Json>();
  for (const [path, list] of byPath) {
    const paths: Record<string, Json> = {};
    const schemas: Record<string, Json> = {};
    for (const r of list) {
      Object.assign(paths, pathsFor(r));
      schemas[schemaName(r)] = objectSchema(r);
    }
    docs.set(path, {
      openapi: '3.0.0',
      info: { title: 'Kubernetes', version: `v${KUBERNETES_MAJOR}.${KUBERNETES_MINOR}.0` },
      paths,
      components: { schemas },
    });
  }
  const root = {
    paths: Object.fromEntries(
      [...docs].map(([path, doc]) => {
        const hash = createHash('sha256').update(JSON.stringify(doc)).digest('hex').slice(0, 16);
        return [path, { serverRelativeURL: `/openapi/v3/${path}?hash=${hash}` }];
      }),
    ),
  };
  return { root: () => root, document: (path) => docs.get(path) };
}
