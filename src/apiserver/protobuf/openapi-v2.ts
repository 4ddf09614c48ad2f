// The OpenAPI v2 (Swagger 2.0) document as gnostic's `openapi.v2.Document` protobuf message, the
// form client-go asks /openapi/v2 for (`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`)
// and kubectl validates `kind: List` manifests with. Field numbers transcribed from
// google/gnostic-models openapiv2/OpenAPIv2.proto; only the parts a Kubernetes document uses.
// JSON maps become repeated `Named*` {name = 1, value = 2} pairs in key order, and `x-` keys
// `NamedAny` vendor extensions whose `Any.yaml` (field 2) holds the value as YAML text, which
// kube-openapi parses with yaml.Unmarshal (JSON text is YAML, and that is what is written).
// A key this encoder does not know throws: nothing is dropped silently.
import { ProtoWriter } from './encode.js';

type Json = Record<string, unknown>;

export class OpenApiV2EncodeError extends Error {}

function fail(where: string, key: string): never {
  throw new OpenApiV2EncodeError(`cannot encode ${where}.${key} as OpenAPI v2 protobuf`);
}

function obj(v: unknown, where: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new OpenApiV2EncodeError(`${where} is not an object`);
  }
  return v as Json;
}

function str(v: unknown, where: string): string {
  if (typeof v !== 'string') throw new OpenApiV2EncodeError(`${where} is not a string`);
  return v;
}

function strings(v: unknown, where: string): string[] {
  if (!Array.isArray(v)) throw new OpenApiV2EncodeError(`${where} is not an array`);
  return v.map((s, i) => str(s, `${where}[${i}]`));
}

/** Any {yaml = 2}. */
function any(w: ProtoWriter, num: number, value: unknown): void {
  w.message(num, (a) => a.string(2, JSON.stringify(value)));
}

/** NamedAny {name = 1, value = 2} for each `x-` key of `o`. */
function extensions(w: ProtoWriter, num: number, o: Json): void {
  for (const [k, v] of Object.entries(o)) {
    if (!k.startsWith('x-')) continue;
    w.message(num, (n) => {
      n.string(1, k);
      any(n, 2, v);
    });
  }
}

/** Schema (OpenAPIv2.proto `message Schema`). */
function schema(w: ProtoWriter, s: Json, where: string): void {
  for (const [k, v] of Object.entries(s)) {
    const at = `${where}.${k}`;
    switch (k) {
      case '$ref':
        w.string(1, str(v, at));
        break;
      case 'format':
        w.string(2, str(v, at));
        break;
      case 'title':
        w.string(3, str(v, at));
        break;
      case 'description':
        w.string(4, str(v, at));
        break;
      case 'default':
        any(w, 5, v);
        break;
      case 'required':
        for (const r of strings(v, at)) w.string(19, r);
        break;
      case 'enum':
        if (!Array.isArray(v)) fail(where, k);
        for (const e of v) any(w, 20, e);
        break;
      case 'additionalProperties':
        // AdditionalPropertiesItem {schema = 1, boolean = 2}
        w.message(21, (a) => {
          if (typeof v === 'boolean') a.bool(2, v);
          else a.message(1, (m) => schema(m, obj(v, at), at));
        });
        break;
      case 'type':
        // TypeItem {value = 1}
        w.message(22, (t) => {
          for (const x of typeof v === 'string' ? [v] : strings(v, at)) t.string(1, x);
        });
        break;
      case 'items':
        // ItemsItem {schema = 1}
        w.message(23, (i) => {
          for (const x of Array.isArray(v) ? v : [v])
            i.message(1, (m) => schema(m, obj(x, at), at));
        });
        break;
      case 'allOf':
        if (!Array.isArray(v)) fail(where, k);
        for (const x of v) w.message(24, (m) => schema(m, obj(x, at), at));
        break;
      case 'properties':
        // Properties {additional_properties = 1: NamedSchema}
        w.message(25, (p) => {
          for (const [name, sub] of Object.entries(obj(v, at))) {
            p.message(1, (n) => {
              n.string(1, name);
              n.message(2, (m) => schema(m, obj(sub, `${at}.${name}`), `${at}.${name}`));
            });
          }
        });
        break;
      case 'readOnly':
        if (v === true) w.bool(27, true);
        break;
      default:
        if (!k.startsWith('x-')) fail(where, k);
    }
  }
  extensions(w, 31, s);
}

/** Parameter {body_parameter = 1, non_body_parameter = 2} inside ParametersItem {parameter = 1}. */
function parameter(w: ProtoWriter, p: Json, where: string): void {
  const place = str(p.in, `${where}.in`);
  w.message(1, (param) => {
    if (place === 'body') {
      // BodyParameter
      param.message(1, (b) => {
        for (const [k, v] of Object.entries(p)) {
          if (k === 'description') b.string(1, str(v, k));
          else if (k === 'name') b.string(2, str(v, k));
          else if (k === 'in') b.string(3, place);
          else if (k === 'required') {
            if (v === true) b.bool(4, true);
          } else if (k === 'schema') b.message(5, (m) => schema(m, obj(v, where), where));
          else if (!k.startsWith('x-')) fail(where, k);
        }
        extensions(b, 6, p);
      });
      return;
    }
    // NonBodyParameter {query_parameter_sub_schema = 3, path_parameter_sub_schema = 4}; their
    // fields from `type` on sit one number apart (query parameters have allow_empty_value = 5).
    const [oneof, shift] =
      place === 'query' ? [3, 1] : place === 'path' ? [4, 0] : fail(where, `in=${place}`);
    param.message(2, (nb) =>
      nb.message(oneof, (q) => {
        for (const [k, v] of Object.entries(p)) {
          if (k === 'required') {
            if (v === true) q.bool(1, true);
          } else if (k === 'in') q.string(2, place);
          else if (k === 'description') q.string(3, str(v, k));
          else if (k === 'name') q.string(4, str(v, k));
          else if (k === 'type') q.string(5 + shift, str(v, k));
          else if (k === 'format') q.string(6 + shift, str(v, k));
          else if (k === 'uniqueItems') {
            if (v === true) q.bool(19 + shift, true);
          } else if (!k.startsWith('x-')) fail(where, k);
        }
        extensions(q, 22 + shift, p);
      }),
    );
  });
}

/** Responses {response_code = 1: NamedResponseValue, vendor_extension = 2}. */
function responses(w: ProtoWriter, r: Json, where: string): void {
  for (const [code, v] of Object.entries(r)) {
    if (code.startsWith('x-')) continue;
    const at = `${where}.${code}`;
    w.message(1, (n) => {
      n.string(1, code);
      // ResponseValue {response = 1}: Response {description = 1, schema = 2: SchemaItem}
      n.message(2, (rv) =>
        rv.message(1, (resp) => {
          for (const [k, x] of Object.entries(obj(v, at))) {
            if (k === 'description') resp.string(1, str(x, k));
            else if (k === 'schema')
              resp.message(2, (si) => si.message(1, (m) => schema(m, obj(x, at), at)));
            else if (!k.startsWith('x-')) fail(at, k);
          }
          extensions(resp, 5, obj(v, at));
        }),
      );
    });
  }
  extensions(w, 2, r);
}

const OPERATION_STRINGS: Record<string, number> = {
  summary: 2,
  description: 3,
  operationId: 5,
};
const OPERATION_LISTS: Record<string, number> = { tags: 1, produces: 6, consumes: 7, schemes: 10 };

function operation(w: ProtoWriter, op: Json, where: string): void {
  for (const [k, v] of Object.entries(op)) {
    const at = `${where}.${k}`;
    const s = OPERATION_STRINGS[k];
    const l = OPERATION_LISTS[k];
    if (s !== undefined) w.string(s, str(v, at));
    else if (l !== undefined) for (const x of strings(v, at)) w.string(l, x);
    else if (k === 'parameters') {
      if (!Array.isArray(v)) fail(where, k);
      for (const p of v) w.message(8, (pi) => parameter(pi, obj(p, at), at));
    } else if (k === 'responses') w.message(9, (r) => responses(r, obj(v, at), at));
    else if (k === 'deprecated') {
      if (v === true) w.bool(11, true);
    } else if (!k.startsWith('x-')) fail(where, k);
  }
  extensions(w, 13, op);
}

const METHODS: Record<string, number> = {
  get: 2,
  put: 3,
  post: 4,
  delete: 5,
  options: 6,
  head: 7,
  patch: 8,
};

function pathItem(w: ProtoWriter, item: Json, where: string): void {
  for (const [k, v] of Object.entries(item)) {
    const at = `${where}.${k}`;
    const method = METHODS[k];
    if (method !== undefined) w.message(method, (o) => operation(o, obj(v, at), at));
    else if (k === 'parameters') {
      if (!Array.isArray(v)) fail(where, k);
      for (const p of v) w.message(9, (pi) => parameter(pi, obj(p, at), at));
    } else if (!k.startsWith('x-')) fail(where, k);
  }
  extensions(w, 10, item);
}

/** Encodes a Swagger 2.0 document (as JSON values) as gnostic's openapi.v2.Document. */
export function encodeOpenApiV2(doc: Json): Buffer {
  const w = new ProtoWriter();
  for (const [k, v] of Object.entries(doc)) {
    switch (k) {
      case 'swagger':
        w.string(1, str(v, k));
        break;
      case 'info':
        // Info {title = 1, version = 2, description = 3}
        w.message(2, (i) => {
          for (const [ik, iv] of Object.entries(obj(v, k))) {
            if (ik === 'title') i.string(1, str(iv, ik));
            else if (ik === 'version') i.string(2, str(iv, ik));
            else if (ik === 'description') i.string(3, str(iv, ik));
            else if (!ik.startsWith('x-')) fail(k, ik);
          }
          extensions(i, 7, obj(v, k));
        });
        break;
      case 'paths':
        // Paths {vendor_extension = 1, path = 2: NamedPathItem}
        w.message(8, (p) => {
          const paths = obj(v, k);
          extensions(p, 1, paths);
          for (const [path, item] of Object.entries(paths)) {
            if (path.startsWith('x-')) continue;
            p.message(2, (n) => {
              n.string(1, path);
              n.message(2, (m) => pathItem(m, obj(item, path), `paths.${path}`));
            });
          }
        });
        break;
      case 'definitions':
        // Definitions {additional_properties = 1: NamedSchema}
        w.message(9, (d) => {
          for (const [name, s] of Object.entries(obj(v, k))) {
            d.message(1, (n) => {
              n.string(1, name);
              n.message(2, (m) => schema(m, obj(s, name), name));
            });
          }
        });
        break;
      default:
        if (!k.startsWith('x-')) fail('document', k);
    }
  }
  extensions(w, 16, doc);
  return w.finish();
}
