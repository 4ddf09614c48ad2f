// OpenAPI v3 documents generated from the resource catalog and the built-in types' schemas
// (schemas.ts). kubectl reads them twice: validation looks for a PATCH operation tagged with the
// kind's GVK that accepts `fieldValidation`, then leaves validation to the server; `kubectl
// explain` finds the kind's schema by its x-kubernetes-group-version-kind and follows `$ref`s.
// Each group-version document holds only the schemas reachable from its kinds, as upstream's.
// Documents are built on the first request, and cached; their hash names them in the root.
// openapi-v2.ts makes the single Swagger 2.0 document of /openapi/v2 from the same parts.
import { createHash } from 'node:crypto';
import { KUBERNETES_MAJOR, KUBERNETES_MINOR } from '../api/version.js';
import {
  APPLY_PATCH_CONTENT_TYPE,
  JSON_PATCH_CONTENT_TYPE,
  MERGE_PATCH_CONTENT_TYPE,
  STRATEGIC_MERGE_PATCH_CONTENT_TYPE,
} from './patch/apply-patch.js';
import { patchSchemaFor } from './patch/strategies.js';
import { groupVersion, type ResourceInfo } from './resources.js';
import { documentedSchemas, reachableSchemas, schemaNameOf } from './schemas.js';

type Json = Record<string, unknown>;

function param(name: string, where: 'query' | 'path', type = 'string'): Json {
  return { name, in: where, ...(where === 'path' ? { required: true } : {}), schema: { type } };
}

const OK = { '200': { description: 'OK' } };

const PATCH_SCHEMA_NAME = 'io.k8s.apimachinery.pkg.apis.meta.v1.Patch';
const PATCH_SCHEMA = {
  description:
    'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.',
  type: 'object',
};

/**
 * A PATCH operation's body: the patch types the server takes, strategic merge only for kinds it
 * has patch metadata for (as upstream leaves it out for custom resources). kubectl's client-side
 * apply looks for strategic merge here before it reads the schemas' patch markers.
 */
function patchBody(r: ResourceInfo): Json {
  const types = [
    APPLY_PATCH_CONTENT_TYPE,
    JSON_PATCH_CONTENT_TYPE,
    MERGE_PATCH_CONTENT_TYPE,
    ...(patchSchemaFor({ group: r.group, kind: r.kind }) !== undefined
      ? [STRATEGIC_MERGE_PATCH_CONTENT_TYPE]
      : []),
  ];
  const schema = { $ref: `#/components/schemas/${PATCH_SCHEMA_NAME}` };
  return { content: Object.fromEntries(types.map((t) => [t, { schema }])), required: true };
}

function placeholderName(r: ResourceInfo): string {
  const group = r.group === '' ? 'core' : r.group;
  return `io.k8s.api.${group}.${r.version}.${r.kind}`;
}

/** For a kind the built-in types do not describe: any spec and status. */
function placeholderSchema(r: ResourceInfo): Json {
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

export function pathsFor(r: ResourceInfo): Record<string, Json> {
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
        requestBody: patchBody(r),
      }),
      delete: op({ 'x-kubernetes-action': 'delete' }),
    };
  }
  // Subresources read and written as objects (status, scale, ephemeralcontainers), as upstream
  // lists them; the action ones (exec, binding…) are left out.
  for (const sub of r.subresources ?? []) {
    const subVerbs = new Set(sub.verbs);
    if (!subVerbs.has('get') || !subVerbs.has('patch')) continue;
    const subGvk = {
      group: sub.group ?? r.group,
      version: sub.version ?? r.version,
      kind: sub.kind ?? r.kind,
    };
    const subOp = (extra: Json): Json => ({
      'x-kubernetes-group-version-kind': subGvk,
      responses: OK,
      ...extra,
    });
    paths[`${collection}/{name}/${sub.name}`] = {
      parameters: [...pathParams, param('name', 'path')],
      get: subOp({ 'x-kubernetes-action': 'get' }),
      ...(subVerbs.has('update')
        ? { put: subOp({ 'x-kubernetes-action': 'put', parameters: write }) }
        : {}),
      patch: subOp({
        'x-kubernetes-action': 'patch',
        parameters: [...write, param('force', 'query', 'boolean')],
        requestBody: patchBody(r),
      }),
    };
  }
  return paths;
}

/** A served document: its JSON text and the hash that names it. */
export interface OpenApiDocument {
  text: string;
  hash: string;
}

export interface OpenApi {
  root(): OpenApiDocument;
  /** The document for `api/v1` or `apis/<group>/<version>`, or undefined. */
  document(path: string): OpenApiDocument | undefined;
}

/** Schemas every document carries besides its kinds', as upstream's do. */
const COMMON_SCHEMAS = [
  'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions',
  'io.k8s.apimachinery.pkg.apis.meta.v1.Status',
];

function hashed(doc: unknown): OpenApiDocument {
  const text = JSON.stringify(doc);
  const hash = createHash('sha512').update(text).digest('hex').toUpperCase();
  return { text, hash };
}

/** The component schemas of a document for `list`: its kinds' and what they reach. */
export function schemasFor(list: readonly ResourceInfo[]): Record<string, Json> {
  const all = documentedSchemas();
  const roots = new Set(COMMON_SCHEMAS);
  const placeholders: Record<string, Json> = {};
  for (const r of list) {
    const name = schemaNameOf(r.group, r.version, r.kind);
    if (name === undefined) {
      placeholders[placeholderName(r)] = placeholderSchema(r);
      continue;
    }
    roots.add(name);
    const listName = schemaNameOf(r.group, r.version, `${r.kind}List`);
    if (listName !== undefined) roots.add(listName);
    for (const sub of r.subresources ?? []) {
      if (sub.kind === undefined) continue;
      const subName = schemaNameOf(sub.group ?? r.group, sub.version ?? r.version, sub.kind);
      if (subName !== undefined) roots.add(subName);
    }
  }
  const out: Record<string, Json> = {};
  for (const name of reachableSchemas(all, roots)) out[name] = all[name] as Json;
  return { ...out, [PATCH_SCHEMA_NAME]: PATCH_SCHEMA, ...placeholders };
}

export function buildOpenApi(resources: readonly ResourceInfo[]): OpenApi {
  const byPath = new Map<string, ResourceInfo[]>();
  for (const r of resources) {
    const path = r.group === '' ? `api/${r.version}` : `apis/${r.group}/${r.version}`;
    byPath.set(path, [...(byPath.get(path) ?? []), r]);
  }
  let docs: Map<string, OpenApiDocument> | undefined;
  let root: OpenApiDocument | undefined;
  const build = (): Map<string, OpenApiDocument> => {
    if (docs !== undefined) return docs;
    docs = new Map();
    for (const [path, list] of byPath) {
      const paths: Record<string, Json> = {};
      for (const r of list) Object.assign(paths, pathsFor(r));
      docs.set(
        path,
        hashed({
          openapi: '3.0.0',
          info: { title: 'Kubernetes', version: `v${KUBERNETES_MAJOR}.${KUBERNETES_MINOR}.0` },
          paths,
          components: { schemas: schemasFor(list) },
        }),
      );
    }
    root = hashed({
      paths: Object.fromEntries(
        [...docs].map(([path, doc]) => [
          path,
          { serverRelativeURL: `/openapi/v3/${path}?hash=${doc.hash}` },
        ]),
      ),
    });
    return docs;
  };
  return {
    root: () => {
      build();
      return root as OpenApiDocument;
    },
    document: (path) => build().get(path),
  };
}
