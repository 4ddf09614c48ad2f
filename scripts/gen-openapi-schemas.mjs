// Build step: OpenAPI v3 component schemas of every built-in type, read from the TypeScript
// declarations of the `kubernetes-types` package (upstream's Go types with their doc comments) and
// written to dist/src/apiserver/openapi-schemas.json, and without descriptions to
// openapi-structure.json (what field validation reads), which the API server loads on first need.
// Nothing generated here is committed: the output lives in dist only.
//
// Names follow upstream (io.k8s.api.core.v1.Container, io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta
// ...); references are `{"allOf":[{"$ref"}]}` on properties (so the description can stay beside
// them) and a bare `$ref` in items and additionalProperties, as upstream's v3 documents do. Required
// fields are the non-optional properties. Types the declarations flatten are restored by name:
// `number | string` is IntOrString, Quantity/Time/MicroTime are strings with upstream's formats,
// RawExtension, FieldsV1 and apiextensions' JSON keep unknown fields.
//
// The package describes Kubernetes 1.30; OVERLAY adds the few later fields kbox itself writes.
// TypeScript's `number` says nothing of int32, int64 or float64: the formats come from the models of
// `@kubernetes/client-node` (a dev dependency, generated from upstream's OpenAPI, whose
// attributeTypeMap keeps each property's format), and a number without one there is an int32,
// the commonest integer of the API. Decoding errors name the Go type from these formats.
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { createRequire } from 'node:module';
import ts from 'typescript';

const require = createRequire(import.meta.url);
const clientModels = await import('@kubernetes/client-node');
const root = dirname(require.resolve('kubernetes-types/package.json'));
const outDir = process.argv[2] ?? 'dist/src/apiserver';

/** Module path (relative to the package, no extension) → upstream schema name prefix. */
function prefixOf(module) {
  switch (module) {
    case 'meta/v1':
      return 'io.k8s.apimachinery.pkg.apis.meta.v1';
    case 'api/resource':
      return 'io.k8s.apimachinery.pkg.api.resource';
    case 'runtime':
      return 'io.k8s.apimachinery.pkg.runtime';
    case 'version':
      return 'io.k8s.apimachinery.pkg.version';
    case 'apiextensions/v1':
      return 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1';
    default:
      return `io.k8s.api.${module.replace('/', '.')}`;
  }
}

const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const TIME = 'io.k8s.apimachinery.pkg.apis.meta.v1.Time';
const MICRO_TIME = 'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime';
const RAW_EXTENSION = 'io.k8s.apimachinery.pkg.runtime.RawExtension';
const FIELDS_V1 = 'io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1';
const EXTENSIONS_JSON = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON';

/** Types whose shape is a Go custom marshaller's, not their declaration's. */
const SPECIAL = {
  [QUANTITY]: { oneOf: [{ type: 'string' }, { type: 'number' }] },
  [INT_OR_STRING]: {
    description:
      'IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field that can accept a name or number.',
    format: 'int-or-string',
    oneOf: [{ type: 'integer' }, { type: 'string' }],
  },
  [TIME]: { type: 'string', format: 'date-time' },
  [MICRO_TIME]: { type: 'string', format: 'date-time' },
  [RAW_EXTENSION]: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
  [FIELDS_V1]: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
  [EXTENSIONS_JSON]: { 'x-kubernetes-preserve-unknown-fields': true },
};

/**
 * Fields added after Kubernetes 1.30 that kbox writes itself, so that pruning and strict
 * validation keep them: schema name → property name → [schema, description]. Empty today: no
 * component of kbox writes a 1.31 or 1.32 field (checked against the kubelet's, the
 * controllers' and the scheduler's writes in the e2e suite). Add an entry when one does.
 */
const OVERLAY = {};

const capitalised = (s) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * Property → OpenAPI format (int32, int64, double...) of one schema, from the client-node model
 * that describes it: `V1DeploymentSpec`, or group-qualified where names clash (`CoreV1Event`).
 */
function numberFormats(schemaName) {
  const parts = schemaName.split('.');
  const kind = parts[parts.length - 1];
  const version = capitalised(parts[parts.length - 2] ?? '');
  const group = capitalised((parts[parts.length - 3] ?? '').split('-')[0]);
  const model = clientModels[`${group}${version}${kind}`] ?? clientModels[`${version}${kind}`];
  const formats = new Map();
  for (const attr of model?.attributeTypeMap ?? []) {
    if (attr.format !== '') formats.set(attr.baseName, attr.format);
  }
  return formats;
}

/** A number schema (also inside arrays and maps) with its format: int32 unless told otherwise. */
function withNumberFormat(schema, format) {
  if (schema.type === 'integer') {
    if (format === 'double' || format === 'float') return { type: 'number', format };
    return { type: 'integer', format: format === 'int64' ? 'int64' : 'int32' };
  }
  if (schema.type === 'array' && schema.items) {
    return { ...schema, items: withNumberFormat(schema.items, format) };
  }
  if (schema.type === 'object' && typeof schema.additionalProperties === 'object') {
    return {
      ...schema,
      additionalProperties: withNumberFormat(schema.additionalProperties, format),
    };
  }
  return schema;
}

function jsDocText(node) {
  const docs = node.jsDoc;
  if (!docs || docs.length === 0) return undefined;
  const text = ts.getTextOfJSDocComment(docs[docs.length - 1].comment);
  return text === undefined || text === '' ? undefined : text;
}

function* declarationFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* declarationFiles(path);
    else if (entry.name.endsWith('.d.ts')) yield path;
  }
}

const schemas = {};

for (const file of declarationFiles(root)) {
  const module = relative(root, file).replace(/\.d\.ts$/, '');
  const prefix = prefixOf(module);
  const source = ts.createSourceFile(
    file,
    readFileSync(file, 'utf8'),
    ts.ScriptTarget.Latest,
    true,
  );
  /** Local name → full schema name. */
  const names = new Map();
  for (const stmt of source.statements) {
    if (ts.isImportDeclaration(stmt)) {
      const from = join(dirname(module), stmt.moduleSpecifier.text).replace(/\\/g, '/');
      for (const el of stmt.importClause?.namedBindings?.elements ?? []) {
        names.set(el.name.text, `${prefixOf(from)}.${(el.propertyName ?? el.name).text}`);
      }
    } else if (ts.isInterfaceDeclaration(stmt) || ts.isTypeAliasDeclaration(stmt)) {
      names.set(stmt.name.text, `${prefix}.${stmt.name.text}`);
    }
  }

  const ref = (name) => ({ $ref: `#/components/schemas/${name}` });

  /** The schema of a type node: `{ $ref }` for named types, inline otherwise. */
  const typeSchema = (node) => {
    switch (node.kind) {
      case ts.SyntaxKind.StringKeyword:
        return { type: 'string' };
      case ts.SyntaxKind.NumberKeyword:
        return { type: 'integer' };
      case ts.SyntaxKind.BooleanKeyword:
        return { type: 'boolean' };
      case ts.SyntaxKind.LiteralType:
        return { type: 'string' };
      case ts.SyntaxKind.ParenthesizedType:
        return typeSchema(node.type);
      case ts.SyntaxKind.ArrayType:
        return { type: 'array', items: typeSchema(node.elementType) };
      case ts.SyntaxKind.UnionType: {
        const kinds = new Set(node.types.map((t) => t.kind));
        if (kinds.has(ts.SyntaxKind.NumberKeyword) && kinds.has(ts.SyntaxKind.StringKeyword)) {
          return ref(INT_OR_STRING);
        }
        if (node.types.every((t) => t.kind === ts.SyntaxKind.LiteralType))
          return { type: 'string' };
        // JSONSchemaPropsOr*: either shape is accepted, so nothing below it is checked.
        return { 'x-kubernetes-preserve-unknown-fields': true };
      }
      case ts.SyntaxKind.TypeLiteral: {
        const index = node.members.find((m) => ts.isIndexSignatureDeclaration(m));
        if (index) return { type: 'object', additionalProperties: typeSchema(index.type) };
        return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
      }
      case ts.SyntaxKind.TypeReference: {
        const name = node.typeName.getText(source);
        if (name === 'Array') return { type: 'array', items: typeSchema(node.typeArguments[0]) };
        if (name === 'Record') {
          return { type: 'object', additionalProperties: typeSchema(node.typeArguments[1]) };
        }
        const full = names.get(name);
        if (full === undefined) throw new Error(`${file}: unknown type ${name}`);
        return ref(full);
      }
      default:
        throw new Error(`${file}: unsupported type ${ts.SyntaxKind[node.kind]}`);
    }
  };

  for (const stmt of source.statements) {
    if (ts.isTypeAliasDeclaration(stmt)) {
      const name = `${prefix}.${stmt.name.text}`;
      const description = jsDocText(stmt);
      schemas[name] = {
        ...(description ? { description } : {}),
        ...(SPECIAL[name] ?? typeSchema(stmt.type)),
      };
      continue;
    }
    if (!ts.isInterfaceDeclaration(stmt)) continue;
    const name = `${prefix}.${stmt.name.text}`;
    const description = jsDocText(stmt);
    if (SPECIAL[name]) {
      schemas[name] = { ...(description ? { description } : {}), ...SPECIAL[name] };
      continue;
    }
    const properties = {};
    const required = [];
    const formats = numberFormats(name);
    let apiVersion;
    let kind;
    for (const member of stmt.members) {
      if (!ts.isPropertySignature(member) || !member.type) continue;
      const prop = member.name.getText(source).replace(/^"(.*)"$/, '$1');
      if (!member.questionToken) required.push(prop);
      if (prop === 'apiVersion' && ts.isLiteralTypeNode(member.type)) {
        apiVersion = member.type.literal.text;
      }
      if (prop === 'kind' && ts.isLiteralTypeNode(member.type)) kind = member.type.literal.text;
      const schema = withNumberFormat(typeSchema(member.type), formats.get(prop));
      const text = jsDocText(member);
      properties[prop] = schema.$ref
        ? { ...(text ? { description: text } : {}), allOf: [schema] }
        : { ...(text ? { description: text } : {}), ...schema };
    }
    for (const [prop, [schema, text]] of Object.entries(OVERLAY[name] ?? {})) {
      properties[prop] = { description: text, ...schema };
    }
    const sorted = Object.fromEntries(
      Object.keys(properties)
        .sort()
        .map((k) => [k, properties[k]]),
    );
    const schema = {
      ...(description ? { description } : {}),
      type: 'object',
      ...(required.length > 0 ? { required: required.sort() } : {}),
      properties: sorted,
    };
    if (apiVersion !== undefined && kind !== undefined) {
      const slash = apiVersion.indexOf('/');
      schema['x-kubernetes-group-version-kind'] = [
        {
          group: slash < 0 ? '' : apiVersion.slice(0, slash),
          kind,
          version: slash < 0 ? apiVersion : apiVersion.slice(slash + 1),
        },
      ];
    }
    schemas[name] = schema;
  }
}
schemas[INT_OR_STRING] = SPECIAL[INT_OR_STRING];

const sortedSchemas = Object.fromEntries(
  Object.keys(schemas)
    .sort()
    .map((k) => [k, schemas[k]]),
);
/** A copy without descriptions (~4 times smaller): the shape is all that validation needs. */
const withoutDescriptions = (value) => {
  if (Array.isArray(value)) return value.map(withoutDescriptions);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k, v]) => k !== 'description' || typeof v !== 'string')
      .map(([k, v]) => [k, withoutDescriptions(v)]),
  );
};
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'openapi-schemas.json'), JSON.stringify(sortedSchemas));
writeFileSync(
  join(outDir, 'openapi-structure.json'),
  JSON.stringify(withoutDescriptions(sortedSchemas)),
);
