// Build step: OpenAPI v3 component schemas of every built-in type of Kubernetes 1.32, written to
// dist/src/apiserver/openapi-schemas.json, and without descriptions to openapi-structure.json
// (what field validation reads), which the API server loads on first need. Nothing generated here
// is committed: the output lives in dist only.
//
// The types, their properties, required lists, integer formats and descriptions are those of the
// models of `k8s-api-1.32` (@kubernetes/client-node 1.1.2, generated from upstream's 1.32 OpenAPI:
// each model's .d.ts has the doc comments and `?` on optional properties, each .js an
// attributeTypeMap with the formats). Those models flatten a few things upstream's documents keep,
// which the declarations of `kubernetes-types` 1.30 (upstream's Go types with their doc comments)
// still have, so they are read too and a property that exists in both takes its type from there:
//   - resource.Quantity is a plain `string` in the models; kubernetes-types names it. The few
//     Quantity fields added in 1.31/1.32 are listed in NEW_QUANTITIES.
//   - RawExtension, FieldsV1 and apiextensions' JSON are all `any`; Time and MicroTime are dates;
//     JSONSchemaPropsOr* are `any`. kubernetes-types names each.
//   - a property whose type is another model has no description in the models (their generator
//     drops the text beside a `$ref`): kubernetes-types' text is used where it has the property,
//     or else that of the same kind in another version (v1alpha1's IPAddress for v1beta1's).
//   - the models' comments have line breaks folded to spaces: where a text is 1.30's but for
//     white space, 1.30's is kept (kubectl explain prints its paragraphs).
//   - JSON names that are reserved words (`$ref`, `default`, `continue`) are renamed in the
//     TypeScript; attributeTypeMap's baseName is the JSON one.
//   - empty structs (CustomResourceSubresourceStatus) have no model: 1.30's schema stays.
// A property whose 1.30 and 1.32 types differ in shape fails the build (see `coarse`).
//
// Names follow upstream (io.k8s.api.core.v1.Container, io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta
// ...): a model `V1Container` is named from the kubernetes-types module that declares a v1
// `Container`; group-qualified models (`CoreV1Event`, `EventsV1Event`) from their prefix; models
// 1.30 lacks from the API classes that read or write them (ResourceV1beta1Api: resource.k8s.io) or
// else from the models that reference them. Kinds with apiVersion, kind and metadata get
// x-kubernetes-group-version-kind (1.30's kinds keep kubernetes-types' literal ones). References
// are `{"allOf":[{"$ref"}]}` on properties (so the description can stay beside them) and a bare
// `$ref` in items and additionalProperties, as upstream's v3 documents do. Types the models
// flatten are restored by name: IntOrString, Quantity/Time/MicroTime are strings with upstream's
// formats, RawExtension, FieldsV1 and apiextensions' JSON keep unknown fields. Formats are the
// models' (every 1.32 number has one; int32 otherwise). Decoding errors name the Go type from
// these formats.
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import ts from 'typescript';

const require = createRequire(import.meta.url);
const typesRoot = dirname(require.resolve('kubernetes-types/package.json'));
const clientGen = join(dirname(require.resolve('k8s-api-1.32/package.json')), 'dist', 'gen');
const clientModels = await import('k8s-api-1.32');
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
    case 'apiregistration/v1':
      return 'io.k8s.kube-aggregator.pkg.apis.apiregistration.v1';
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
 * Quantity fields added after 1.30 (the models type them `string`, or a map of strings):
 * schema name → property names.
 */
const NEW_QUANTITIES = {
  'io.k8s.api.resource.v1alpha3.BasicDevice': ['capacity'],
  'io.k8s.api.resource.v1beta1.DeviceCapacity': ['value'],
};

const ref = (name) => ({ $ref: `#/components/schemas/${name}` });

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

/** Strings where a schema has strings, through arrays and maps: Quantity's field shape. */
function asQuantity(schema) {
  if (schema.type === 'string') return ref(QUANTITY);
  if (schema.type === 'array') return { ...schema, items: asQuantity(schema.items) };
  if (schema.type === 'object' && typeof schema.additionalProperties === 'object') {
    return { ...schema, additionalProperties: asQuantity(schema.additionalProperties) };
  }
  throw new Error(`a Quantity field must be made of strings: ${JSON.stringify(schema)}`);
}

function jsDocText(node) {
  const docs = node.jsDoc;
  if (!docs || docs.length === 0) return undefined;
  const text = ts.getTextOfJSDocComment(docs[docs.length - 1].comment);
  return text === undefined || text === '' ? undefined : text;
}

const squash = (text) => text.replace(/\s+/g, ' ').trim();

function* declarationFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* declarationFiles(path);
    else if (entry.name.endsWith('.d.ts')) yield path;
  }
}

// ---- Kubernetes 1.30, from kubernetes-types ----------------------------------------------------

/** Schema name → { description, gvk, alias (a type alias's schema), props: name → {type, text} }. */
const old = new Map();
/** `v1/Container` → the modules declaring it (`core/v1`). */
const modulesOfKind = new Map();
/** Package (`apps`, `core`, `rbac`) ↔ API group (`apps`, ``, `rbac.authorization.k8s.io`). */
const groupOfPackage = new Map([['apiregistration', 'apiregistration.k8s.io']]);

for (const file of declarationFiles(typesRoot)) {
  const module = relative(typesRoot, file).replace(/\.d\.ts$/, '');
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
      old.set(name, {
        description: jsDocText(stmt),
        alias: SPECIAL[name] ?? typeSchema(stmt.type),
      });
      continue;
    }
    if (!ts.isInterfaceDeclaration(stmt)) continue;
    const name = `${prefix}.${stmt.name.text}`;
    const slash = module.lastIndexOf('/');
    const version = module.slice(slash + 1);
    if (slash > 0) {
      const key = `${version}/${stmt.name.text}`;
      modulesOfKind.set(key, [...(modulesOfKind.get(key) ?? []), module]);
    }
    const props = new Map();
    let apiVersion;
    let kind;
    for (const member of stmt.members) {
      if (!ts.isPropertySignature(member) || !member.type) continue;
      const prop = member.name.getText(source).replace(/^"(.*)"$/, '$1');
      if (prop === 'apiVersion' && ts.isLiteralTypeNode(member.type)) {
        apiVersion = member.type.literal.text;
      }
      if (prop === 'kind' && ts.isLiteralTypeNode(member.type)) kind = member.type.literal.text;
      props.set(prop, { type: typeSchema(member.type), text: jsDocText(member) });
    }
    let gvk;
    if (apiVersion !== undefined && kind !== undefined) {
      const at = apiVersion.indexOf('/');
      const group = at < 0 ? '' : apiVersion.slice(0, at);
      gvk = { group, kind, version: at < 0 ? apiVersion : apiVersion.slice(at + 1) };
      if (slash > 0 && module !== 'meta/v1') groupOfPackage.set(module.slice(0, slash), group);
    }
    old.set(name, { description: jsDocText(stmt), gvk, props });
  }
}

// ---- Kubernetes 1.32, from k8s-api-1.32's models ------------------------------------------------

const VERSION = 'V\\d+(?:alpha\\d+|beta\\d+)?';
const VERSIONED = new RegExp(`^(${VERSION})([A-Z]\\w*)$`);
const GROUP_QUALIFIED = new RegExp(`^([A-Z][a-z]+)(${VERSION})([A-Z]\\w*)$`);

const modelNames = [
  ...readFileSync(join(clientGen, 'models', 'all.d.ts'), 'utf8').matchAll(
    /from '\.\.\/models\/(\w+)\.js'/g,
  ),
].map((m) => m[1]);
const models = new Map(
  modelNames.map((name) => {
    const file = join(clientGen, 'models', `${name}.d.ts`);
    const source = ts.createSourceFile(
      file,
      readFileSync(file, 'utf8'),
      ts.ScriptTarget.Latest,
      true,
    );
    const decl = source.statements.find((s) => ts.isClassDeclaration(s));
    if (decl === undefined) throw new Error(`${file}: no class`);
    const attributes = clientModels[name]?.attributeTypeMap;
    if (attributes === undefined) throw new Error(`k8s-api-1.32 exports no model ${name}`);
    return [name, { source, decl, attributes }];
  }),
);

/** Model name → module (`core/v1`, `meta/v1`); then → upstream schema name. */
const moduleOf = new Map();
for (const name of modelNames) {
  if (name === 'VersionInfo') {
    moduleOf.set(name, 'version');
    continue;
  }
  const qualified = GROUP_QUALIFIED.exec(name);
  if (qualified) {
    const pkg = qualified[1].toLowerCase();
    if (!groupOfPackage.has(pkg)) throw new Error(`model ${name}: unknown API package ${pkg}`);
    moduleOf.set(name, `${pkg}/${qualified[2].toLowerCase()}`);
    continue;
  }
  const versioned = VERSIONED.exec(name);
  if (!versioned) throw new Error(`model ${name}: unexpected name`);
  const candidates = modulesOfKind.get(`${versioned[1].toLowerCase()}/${versioned[2]}`) ?? [];
  if (candidates.length > 1) throw new Error(`model ${name}: one of ${candidates.join(', ')}`);
  if (candidates.length === 1) moduleOf.set(name, candidates[0]);
}

/** Candidate modules of the models 1.30 lacks: first from the API classes that use them. */
const packageOfGroup = new Map([...groupOfPackage].map(([pkg, group]) => [group, pkg]));
const fromApis = new Map();
for (const file of readdirSync(join(clientGen, 'apis'))) {
  const api = new RegExp(`^\\w+?(${VERSION})Api\\.d\\.ts$`).exec(file);
  if (!api) continue;
  const version = api[1].toLowerCase();
  const code = readFileSync(join(clientGen, 'apis', file.replace(/\.d\.ts$/, '.js')), 'utf8');
  const path = /'\/(?:api\/v1|apis\/([^/']+)\/)/.exec(code);
  if (!path) continue;
  const pkg = packageOfGroup.get(path[1] ?? '');
  if (pkg === undefined) throw new Error(`${file}: unknown API group ${path[1]}`);
  const declarations = readFileSync(join(clientGen, 'apis', file), 'utf8');
  for (const [, model] of declarations.matchAll(/from '\.\.\/models\/(\w+)\.js'/g)) {
    const versioned = VERSIONED.exec(model);
    if (!versioned || moduleOf.has(model) || !models.has(model)) continue;
    if (versioned[1].toLowerCase() !== version) continue;
    fromApis.set(model, new Set([...(fromApis.get(model) ?? []), `${pkg}/${version}`]));
  }
}
for (const [model, modules] of fromApis) {
  if (modules.size > 1) throw new Error(`model ${model}: used by APIs of ${[...modules]}`);
  moduleOf.set(model, [...modules][0]);
}

/** Model names a type string of an attributeTypeMap mentions. */
const mentioned = (type) => (type.match(/\b\w+\b/g) ?? []).filter((w) => models.has(w));

/** The rest: the package of the models that reference them, until nothing changes. */
for (let changed = true; changed;) {
  changed = false;
  for (const [name, { attributes }] of models) {
    const module = moduleOf.get(name);
    if (module === undefined || module === 'meta/v1' || module === 'version') continue;
    for (const attr of attributes) {
      for (const child of mentioned(attr.type)) {
        if (moduleOf.has(child)) continue;
        moduleOf.set(child, `${module.split('/')[0]}/${VERSIONED.exec(child)[1].toLowerCase()}`);
        changed = true;
      }
    }
  }
}
const unplaced = modelNames.filter((name) => !moduleOf.has(name));
if (unplaced.length > 0) throw new Error(`no API group for models ${unplaced.join(', ')}`);

const upstreamName = (model) => {
  const module = moduleOf.get(model);
  const kind =
    model === 'VersionInfo'
      ? 'Info'
      : (GROUP_QUALIFIED.exec(model)?.[3] ?? VERSIONED.exec(model)[2]);
  return `${prefixOf(module)}.${kind}`;
};

/** Descriptions of the flattened types: a field the models describe with one lost its own. */
const flattenedTexts = new Set(
  [QUANTITY, TIME, MICRO_TIME, RAW_EXTENSION, FIELDS_V1, EXTENSIONS_JSON, INT_OR_STRING]
    .map((name) => old.get(name)?.description ?? SPECIAL[name]?.description)
    .filter((text) => text !== undefined)
    .map(squash),
);

/** 1.32's text, or 1.30's where 1.32 has none or the same but for white space. */
function describe(text, oldText) {
  const unescaped = text?.replace(/\\(["'\\])/g, '$1');
  const own =
    unescaped === undefined || flattenedTexts.has(squash(unescaped)) ? undefined : unescaped;
  if (oldText !== undefined && (own === undefined || squash(own) === squash(oldText))) {
    return oldText;
  }
  return own;
}

/**
 * 1.30's schema of the same kind in another version of its group (networking v1alpha1's
 * IPAddress for v1beta1's), whose texts serve the properties the models leave undescribed.
 */
function sameKindElsewhere(name) {
  const parts = name.split('.');
  for (const [other, schema] of old) {
    const theirs = other.split('.');
    if (other === name || schema.props === undefined || theirs.length !== parts.length) continue;
    if (theirs.every((part, i) => part === parts[i] || i === parts.length - 2)) return schema;
  }
  return undefined;
}

/** The schema of a model property's declared type: `{ $ref }` for other models. */
function modelTypeSchema(node, source) {
  switch (node.kind) {
    case ts.SyntaxKind.StringKeyword:
      return { type: 'string' };
    case ts.SyntaxKind.NumberKeyword:
      return { type: 'integer' };
    case ts.SyntaxKind.BooleanKeyword:
      return { type: 'boolean' };
    case ts.SyntaxKind.AnyKeyword:
      return ref(RAW_EXTENSION);
    case ts.SyntaxKind.ArrayType:
      return { type: 'array', items: modelTypeSchema(node.elementType, source) };
    case ts.SyntaxKind.TypeLiteral: {
      const index = node.members.find((m) => ts.isIndexSignatureDeclaration(m));
      if (index)
        return { type: 'object', additionalProperties: modelTypeSchema(index.type, source) };
      break;
    }
    case ts.SyntaxKind.TypeReference: {
      const name = node.typeName.getText(source);
      if (name === 'Array')
        return { type: 'array', items: modelTypeSchema(node.typeArguments[0], source) };
      if (name === 'Date') return ref(TIME);
      if (name === 'V1MicroTime') return ref(MICRO_TIME);
      if (name === 'IntOrString') return ref(INT_OR_STRING);
      if (models.has(name)) return ref(upstreamName(name));
      break;
    }
    default:
      break;
  }
  throw new Error(`${source.fileName}: unsupported type ${node.getText(source)}`);
}

/**
 * A type's shape as the models can tell it: what 1.30's and 1.32's types of one property must
 * agree on (Quantity is a string there, RawExtension, FieldsV1, JSON and JSONSchemaPropsOr* any
 * value, and an alias is what it stands for).
 */
function coarse(schema) {
  if (schema.$ref !== undefined) {
    const name = schema.$ref.slice('#/components/schemas/'.length);
    if (name === QUANTITY) return { type: 'string' };
    if ([RAW_EXTENSION, FIELDS_V1, EXTENSIONS_JSON].includes(name)) return { any: true };
    const alias = old.get(name)?.alias;
    if (alias !== undefined && !SPECIAL[name]) return coarse(alias);
    // An empty struct (CustomResourceSubresourceStatus): a model with no properties is `any`.
    if (old.get(name)?.props?.size === 0) return { any: true };
    return schema;
  }
  if (schema['x-kubernetes-preserve-unknown-fields'] && schema.type === undefined)
    return { any: true };
  if (schema.type === 'array') return { type: 'array', items: coarse(schema.items) };
  if (schema.type === 'object' && typeof schema.additionalProperties === 'object') {
    return { type: 'object', additionalProperties: coarse(schema.additionalProperties) };
  }
  return schema;
}

const schemas = {};
const mismatches = [];

for (const [model, { source, decl, attributes }] of models) {
  const name = upstreamName(model);
  const before = old.get(name);
  const description = describe(jsDocText(decl), before?.description);
  if (SPECIAL[name]) {
    schemas[name] = { ...(description ? { description } : {}), ...SPECIAL[name] };
    continue;
  }
  /** TypeScript name (`_continue`, `ref`) → the JSON one (`continue`, `$ref`), and its format. */
  const jsonNames = new Map(attributes.map((a) => [a.name, a.baseName]));
  const formats = new Map(attributes.map((a) => [a.baseName, a.format]));
  const promotedFrom = before === undefined ? sameKindElsewhere(name) : undefined;
  const properties = {};
  const required = [];
  for (const member of decl.members) {
    if (!ts.isPropertyDeclaration(member) || !member.type) continue;
    if (member.modifiers?.some((m) => m.kind === ts.SyntaxKind.StaticKeyword)) continue;
    const prop = jsonNames.get(member.name.text);
    if (prop === undefined)
      throw new Error(`${model}.${member.name.text}: not in attributeTypeMap`);
    if (!member.questionToken) required.push(prop);
    const previous = before?.props?.get(prop);
    let type = modelTypeSchema(member.type, source);
    if (previous !== undefined) {
      const [was, is] = [JSON.stringify(coarse(previous.type)), JSON.stringify(coarse(type))];
      if (was !== is) mismatches.push(`${name}.${prop}: 1.30 ${was}, 1.32 ${is}`);
      type = previous.type;
    } else if (NEW_QUANTITIES[name]?.includes(prop)) {
      type = asQuantity(type);
    }
    const schema = withNumberFormat(type, formats.get(prop));
    const text =
      describe(jsDocText(member), previous?.text) ?? promotedFrom?.props?.get(prop)?.text;
    properties[prop] = schema.$ref
      ? { ...(text ? { description: text } : {}), allOf: [schema] }
      : { ...(text ? { description: text } : {}), ...schema };
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
  const module = moduleOf.get(model);
  let gvk = before?.gvk;
  if (
    before === undefined &&
    module !== 'meta/v1' &&
    ['apiVersion', 'kind', 'metadata'].every((p) => p in sorted)
  ) {
    const [pkg, version] = module.split('/');
    gvk = { group: groupOfPackage.get(pkg), kind: name.slice(name.lastIndexOf('.') + 1), version };
  }
  if (gvk !== undefined) schema['x-kubernetes-group-version-kind'] = [gvk];
  schemas[name] = schema;
}
if (mismatches.length > 0) {
  throw new Error(`property types differ between 1.30 and 1.32:\n${mismatches.join('\n')}`);
}

// The flattened types (Quantity, Time, IntOrString, JSONSchemaPropsOr* ...) and empty structs,
// which have no model: 1.30's, wherever a 1.32 schema refers to them.
for (const pending = Object.keys(schemas); pending.length > 0;) {
  const visit = (value) => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (typeof value === 'object' && value !== null) {
      for (const [k, v] of Object.entries(value)) {
        if (k !== '$ref' || typeof v !== 'string') {
          visit(v);
          continue;
        }
        const target = v.slice('#/components/schemas/'.length);
        if (schemas[target] !== undefined) continue;
        const was = old.get(target);
        let shape = SPECIAL[target] ?? was?.alias;
        if (shape === undefined && was?.props?.size === 0)
          shape = { type: 'object', properties: {} };
        if (shape === undefined) throw new Error(`no schema for ${target}`);
        schemas[target] = {
          ...(was?.description ? { description: was.description } : {}),
          ...shape,
        };
        pending.push(target);
      }
    }
  };
  visit(schemas[pending.pop()]);
}

// Strategic-merge-patch markers, from the table the server patches with (src/apiserver/patch/
// strategies.ts, compiled before this step): on the property that carries the Go tag, as
// upstream's documents have them. Every schema of a kind in any version gets its kind's markers.
const { patchSchemas, patchStrategyMarker } = await import(
  pathToFileURL(join(resolve(outDir), 'patch', 'strategies.js')).href
);
const refOf = (property) =>
  (
    property.$ref ??
    property.allOf?.[0]?.$ref ??
    property.items?.$ref ??
    property.items?.allOf?.[0]?.$ref
  )?.slice('#/components/schemas/'.length);
/** Marks `name`'s properties from a kind's patch metadata (a finite tree: no cycle guard needed). */
function markPatch(name, patchSchema) {
  const schema = schemas[name];
  if (schema?.properties === undefined) return;
  for (const [field, meta] of Object.entries(patchSchema)) {
    const property = schema.properties[field];
    if (property === undefined) continue;
    const strategy = patchStrategyMarker(meta);
    if (meta.mergeKey !== undefined) property['x-kubernetes-patch-merge-key'] = meta.mergeKey;
    if (strategy !== undefined) property['x-kubernetes-patch-strategy'] = strategy;
    const target = refOf(property);
    if (meta.fields !== undefined && target !== undefined) markPatch(target, meta.fields);
  }
}
for (const [group, kind, patchSchema] of patchSchemas()) {
  for (const [name, schema] of Object.entries(schemas)) {
    const gvks = schema['x-kubernetes-group-version-kind'] ?? [];
    if (gvks.some((g) => g.group === group && g.kind === kind)) markPatch(name, patchSchema);
  }
}

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
