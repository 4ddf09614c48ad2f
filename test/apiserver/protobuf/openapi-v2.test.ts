// The gnostic OpenAPIv2 encoder, read back with the wire reader the request decoder uses. The
// decoder below turns the message back into Swagger JSON following OpenAPIv2.proto's numbers;
// kubectl's own protobuf decoding of the served document is checked in openapi-v2.int.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { swaggerDocument } from '../../../src/apiserver/openapi-v2.js';
import { ProtoWriter } from '../../../src/apiserver/protobuf/encode.js';
import {
  encodeOpenApiV2,
  OpenApiV2EncodeError,
} from '../../../src/apiserver/protobuf/openapi-v2.js';
import { readFields, type Field } from '../../../src/apiserver/protobuf/wire.js';
import { RESOURCE_DEFINITIONS } from '../../../src/apiserver/resources.js';

type Json = Record<string, unknown>;

const text = (f: Field): string => (f.bytes ?? Buffer.alloc(0)).toString('utf8');
const sub = (f: Field): Field[] => readFields(f.bytes ?? Buffer.alloc(0));

/** NamedX {name = 1, value = 2} pairs into an object. */
function named(fields: Field[], value: (f: Field) => unknown): Json {
  const out: Json = {};
  for (const f of fields) {
    const parts = sub(f);
    const name = parts.find((p) => p.num === 1);
    const v = parts.find((p) => p.num === 2);
    assert.ok(name && v);
    out[text(name)] = value(v);
  }
  return out;
}

/** NamedAny vendor extensions, each Any's yaml (field 2) parsed as YAML. */
function extensions(fields: Field[], into: Json): void {
  Object.assign(
    into,
    named(fields, (v) => {
      const yaml = sub(v).find((p) => p.num === 2);
      assert.ok(yaml);
      return parseYaml(text(yaml)) as unknown;
    }),
  );
}

function schema(fields: Field[]): Json {
  const out: Json = {};
  const strings: Record<number, string> = { 1: '$ref', 2: 'format', 3: 'title', 4: 'description' };
  const ext: Field[] = [];
  for (const f of fields) {
    const key = strings[f.num];
    if (key !== undefined) out[key] = text(f);
    else if (f.num === 19) out.required = [...((out.required as string[]) ?? []), text(f)];
    else if (f.num === 21) {
      const [a] = sub(f);
      out.additionalProperties = a?.num === 2 ? a.int === 1 : schema(a ? sub(a) : []);
    } else if (f.num === 22) {
      const values = sub(f).map(text);
      out.type = values.length === 1 ? values[0] : values;
    } else if (f.num === 23) out.items = schema(sub(sub(f)[0] as Field));
    else if (f.num === 25) out.properties = named(sub(f), (v) => schema(sub(v)));
    else if (f.num === 31) ext.push(f);
    else assert.fail(`unexpected Schema field ${f.num}`);
  }
  extensions(ext, out);
  return out;
}

function parameter(item: Field): Json {
  const [param] = sub(item); // ParametersItem.parameter = 1
  assert.equal(param?.num, 1);
  const [kind] = sub(param);
  if (kind?.num === 1) {
    // Parameter.body_parameter: BodyParameter {name = 2, in = 3, required = 4, schema = 5}
    const body: Json = {};
    for (const f of sub(kind)) {
      if (f.num === 2) body.name = text(f);
      else if (f.num === 3) body.in = text(f);
      else if (f.num === 4) body.required = f.int === 1;
      else if (f.num === 5) body.schema = schema(sub(f));
      else assert.fail(`unexpected body parameter field ${f.num}`);
    }
    return body;
  }
  const nonBody = kind;
  assert.equal(nonBody?.num, 2); // Parameter.non_body_parameter
  const [which] = sub(nonBody);
  assert.ok(which?.num === 3 || which?.num === 4); // query / path sub-schema
  const shift = which.num === 3 ? 1 : 0;
  const out: Json = {};
  for (const f of sub(which)) {
    if (f.num === 1) out.required = f.int === 1;
    else if (f.num === 2) out.in = text(f);
    else if (f.num === 4) out.name = text(f);
    else if (f.num === 5 + shift) out.type = text(f);
    else assert.fail(`unexpected parameter field ${f.num}`);
  }
  return out;
}

function operation(fields: Field[]): Json {
  const out: Json = {};
  const ext: Field[] = [];
  for (const f of fields) {
    if (f.num === 8) out.parameters = [...((out.parameters as Json[]) ?? []), parameter(f)];
    else if (f.num === 7) out.consumes = [...((out.consumes as string[]) ?? []), text(f)];
    else if (f.num === 9)
      out.responses = named(sub(f), (v) => {
        const [response] = sub(v); // ResponseValue.response = 1
        const [description] = sub(response as Field);
        assert.equal(description?.num, 1);
        return { description: text(description) };
      });
    else if (f.num === 13) ext.push(f);
    else assert.fail(`unexpected Operation field ${f.num}`);
  }
  extensions(ext, out);
  return out;
}

const METHODS: Record<number, string> = { 2: 'get', 3: 'put', 4: 'post', 5: 'delete', 8: 'patch' };

function decodeDocument(buf: Buffer): Json {
  const out: Json = {};
  for (const f of readFields(buf)) {
    if (f.num === 1) out.swagger = text(f);
    else if (f.num === 2) {
      const [title, version] = sub(f);
      assert.ok(title?.num === 1 && version?.num === 2);
      out.info = { title: text(title), version: text(version) };
    } else if (f.num === 8) {
      out.paths = named(
        sub(f).filter((p) => p.num === 2),
        (v) => {
          const item: Json = {};
          for (const p of sub(v)) {
            const method = METHODS[p.num];
            if (method !== undefined) item[method] = operation(sub(p));
            else if (p.num === 9)
              item.parameters = [...((item.parameters as Json[]) ?? []), parameter(p)];
            else assert.fail(`unexpected PathItem field ${p.num}`);
          }
          return item;
        },
      );
    } else if (f.num === 9) out.definitions = named(sub(f), (v) => schema(sub(v)));
    else assert.fail(`unexpected Document field ${f.num}`);
  }
  return out;
}

test('the whole Swagger document reads back as it was written', () => {
  const doc = swaggerDocument(RESOURCE_DEFINITIONS);
  // JSON's view of the document: no undefined members, `required: false` as proto3 omits it.
  const expected = JSON.parse(JSON.stringify(doc), (k, v: unknown) =>
    k === 'required' && v === false ? undefined : v,
  ) as Json;
  assert.deepEqual(decodeDocument(encodeOpenApiV2(doc)), expected);
});

test('fields, lengths and vendor extensions are laid out as OpenAPIv2.proto numbers them', () => {
  const bytes = encodeOpenApiV2({
    swagger: '2.0',
    definitions: {
      K: {
        type: 'object',
        'x-kubernetes-group-version-kind': [{ group: '', kind: 'K', version: 'v1' }],
      },
    },
  });
  const gvk = '[{"group":"","kind":"K","version":"v1"}]';
  const ext = Buffer.concat([
    Buffer.from([0x0a, 31]), // NamedAny.name
    Buffer.from('x-kubernetes-group-version-kind'),
    Buffer.from([0x12, gvk.length + 2, 0x12, gvk.length]), // NamedAny.value: Any.yaml = 2
    Buffer.from(gvk),
  ]);
  const schemaBytes = Buffer.concat([
    Buffer.from([0xb2, 0x01, 8, 0x0a, 6]), // Schema.type = 22: TypeItem.value = 1
    Buffer.from('object'),
    Buffer.from([0xfa, 0x01, ext.length]), // Schema.vendor_extension = 31
    ext,
  ]);
  const namedSchema = Buffer.concat([
    Buffer.from([0x0a, 1]),
    Buffer.from('K'),
    Buffer.from([0x12, schemaBytes.length]),
    schemaBytes,
  ]);
  assert.deepEqual(
    bytes,
    Buffer.concat([
      Buffer.from([0x0a, 3]), // Document.swagger = 1
      Buffer.from('2.0'),
      Buffer.from([0x4a, namedSchema.length + 2, 0x0a, namedSchema.length]), // definitions = 9
      namedSchema,
    ]),
  );
});

test('submessages longer than 127 bytes get multi-byte length prefixes', () => {
  const long = 'd'.repeat(300);
  const w = new ProtoWriter();
  w.message(9, (m) => m.message(1, (n) => n.string(4, long)));
  const [outer] = readFields(w.finish());
  const [inner] = sub(outer as Field);
  const [description] = sub(inner as Field);
  assert.equal(description?.num, 4);
  assert.equal(text(description), long);
});

test('a key the encoder does not know is an error, not a silent drop', () => {
  assert.throws(
    () => encodeOpenApiV2({ swagger: '2.0', definitions: { K: { type: 'string', maximum: 3 } } }),
    (err: unknown) =>
      err instanceof OpenApiV2EncodeError &&
      err.message === 'cannot encode K.maximum as OpenAPI v2 protobuf',
  );
});
