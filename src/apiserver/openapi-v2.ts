// The OpenAPI v2 (Swagger 2.0) document of /openapi/v2, made from the same parts as the v3
// documents (openapi.ts): one document with every schema any v3 document carries, as
// `definitions`, and the same paths. kubectl reads it when a manifest is a `v1 List`: it validates
// the items itself against these definitions (kube-openapi's pkg/util/proto), since it cannot ask
// the server to; and `kubectl apply` of a changed object looks up the PATCH's media types in it
// (see swaggerDocument). Client-go asks for it as gnostic protobuf
// (protobuf/openapi-v2.ts); `kubectl get --raw /openapi/v2` for JSON. Both forms are made on
// first request and cached, with the ETag upstream gives them: the SHA-512 of the JSON text.
import { createHash } from 'node:crypto';
import { SERVER_GIT_VERSION } from '../api/version.js';
import { pathsFor, schemasFor } from './openapi.js';
import { encodeOpenApiV2 } from './protobuf/openapi-v2.js';
import type { ResourceInfo } from './resources.js';

type Json = Record<string, unknown>;

const V3_REF = '#/components/schemas/';
const V2_REF = '#/definitions/';

function isRefOnly(s: unknown): s is { $ref: string } {
  return (
    typeof s === 'object' &&
    s !== null &&
    typeof (s as Json).$ref === 'string' &&
    Object.keys(s).length === 1
  );
}

/**
 * A v3 schema in v2's terms: `$ref`s point into `definitions`; the `allOf: [{$ref}]` wrapper v3
 * needs to give a reference a description becomes the plain `$ref` beside it (v2 allows that);
 * a `oneOf` of scalars (IntOrString, Quantity) becomes `type: string`, as upstream's v2 has it.
 */
export function toV2Schema(s: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'allOf' && Array.isArray(v) && v.length === 1 && isRefOnly(v[0])) {
      out.$ref = v[0].$ref.replace(V3_REF, V2_REF);
    } else if (k === '$ref' && typeof v === 'string') {
      out.$ref = v.replace(V3_REF, V2_REF);
    } else if (k === 'oneOf' && Array.isArray(v)) {
      const scalar = v.every((x) =>
        ['string', 'integer', 'number', 'boolean'].includes((x as Json).type as string),
      );
      if (!scalar) throw new Error(`no OpenAPI v2 form for oneOf ${JSON.stringify(v)}`);
      out.type ??= 'string';
    } else if (k === 'properties' && typeof v === 'object' && v !== null) {
      out.properties = Object.fromEntries(
        Object.entries(v as Record<string, Json>).map(([name, p]) => [name, toV2Schema(p)]),
      );
    } else if ((k === 'items' || k === 'additionalProperties') && typeof v === 'object') {
      out[k] = toV2Schema(v as Json);
    } else {
      out[k] = v;
    }
  }
  return out;
}

/** A v3 parameter (`schema: {type}`) in v2's form (`type` on the parameter). */
function toV2Parameter(p: Json): Json {
  const { schema, ...rest } = p;
  return { ...rest, ...(schema as Json | undefined) };
}

function toV2Paths(paths: Record<string, Json>): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [path, item] of Object.entries(paths)) {
    const v2: Json = {};
    for (const [k, v] of Object.entries(item)) {
      if (k === 'parameters') {
        if ((v as Json[]).length > 0) v2[k] = (v as Json[]).map(toV2Parameter);
      } else {
        const { requestBody, ...op } = v as Json;
        if (Array.isArray(op.parameters))
          op.parameters = (op.parameters as Json[]).map(toV2Parameter);
        // v3's requestBody is v2's `consumes` and a body parameter.
        const content = (requestBody as { content?: Record<string, { schema: Json }> } | undefined)
          ?.content;
        if (content !== undefined) {
          const types = Object.keys(content);
          op.consumes = types;
          const first = content[types[0] ?? ''];
          op.parameters = [
            { name: 'body', in: 'body', required: true, schema: toV2Schema(first?.schema ?? {}) },
            ...((op.parameters as Json[] | undefined) ?? []),
          ];
        }
        v2[k] = op;
      }
    }
    out[path] = v2;
  }
  return out;
}

/**
 * The Swagger 2.0 document for `resources`, as JSON values. A PATCH operation consumes the patch
 * types its v3 requestBody lists; strategic merge comes with the schemas' patch markers, so a
 * client-side `kubectl apply` that reads this document (it reads v3 first) patches as upstream.
 */
export function swaggerDocument(resources: readonly ResourceInfo[]): Json {
  const paths: Record<string, Json> = {};
  for (const r of resources) Object.assign(paths, pathsFor(r));
  const definitions = Object.fromEntries(
    Object.entries(schemasFor(resources)).map(([name, s]) => [name, toV2Schema(s)]),
  );
  return {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: SERVER_GIT_VERSION },
    paths: toV2Paths(paths),
    definitions,
  };
}

export interface OpenApiV2 {
  /** The JSON text, UTF-8. */
  json(): Buffer;
  /** The gnostic protobuf form. */
  protobuf(): Buffer;
  /** The quoted ETag of both forms. */
  etag(): string;
  /** When the document was made (Last-Modified). */
  modified(): Date;
}

export function buildOpenApiV2(resources: readonly ResourceInfo[]): OpenApiV2 {
  let json: Buffer | undefined;
  let etag = '';
  let modified = new Date(0);
  let proto: Buffer | undefined;
  const text = (): Buffer => {
    if (json !== undefined) return json;
    json = Buffer.from(JSON.stringify(swaggerDocument(resources)));
    etag = `"${createHash('sha512').update(json).digest('hex').toUpperCase()}"`;
    modified = new Date();
    return json;
  };
  return {
    json: text,
    // Made from the JSON text, as upstream's handler makes it, so the two never differ.
    protobuf: () => {
      proto ??= encodeOpenApiV2(JSON.parse(text().toString('utf8')) as Json);
      return proto;
    },
    etag: () => {
      text();
      return etag;
    },
    modified: () => {
      text();
      return modified;
    },
  };
}
