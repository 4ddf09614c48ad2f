// The `fieldValidation` query parameter of create, update and patch, after upstream's handlers
// (apiserver/pkg/endpoints/handlers: create.go, update.go, patch.go, rest.go): unknown fields of a
// built-in kind are always dropped, as decoding into Go structs drops them; `Strict` also fails
// the request, `Warn` (the default) adds one `Warning` header per field, `Ignore` stays silent.
// Keys repeated in a JSON body or merge/strategic patch count as errors too (`duplicate field`);
// in a JSON patch they are `json patch duplicate field "[0].op"`. Keys repeated in a YAML body
// fail Strict with goyaml.v2's multi-line text, which under Warn upstream's warning recorder drops
// (a Warning header may not hold control characters).
// Server-side apply rejects unknown fields whatever the directive, as structured-merge-diff does.
// A value of the wrong JSON type fails every write whatever the directive (field-types.ts has
// upstream's words for it), before any strict-decoding error, as the decoder's own error does.
import { badRequest, invalid, StatusError, type FieldError } from '../api/status.js';
import { invalidValue, notSupported } from '../api/validation.js';
import { typedPathString, typeOf } from './fieldmanager/typed.js';
import { isJsonObject } from './patch/json-value.js';
import { hasDuplicateKeys, jsonKeys, numberLiterals } from './json-keys.js';
import { appliedTypeErrors, converterTypeError, decoderTypeError } from './field-types.js';
import { yamlDuplicatesOf } from './negotiate.js';
import { schemaNameOf, structuralSchemas, type Schema } from './schemas.js';
import { decoderPath, walkObject, type Segment } from './unknown-fields.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** upstream's allowedFieldValidationValues, sorted as sets.String.List() prints them. */
const ALLOWED = ['', 'Ignore', 'Strict', 'Warn'];

/** The option errors of the `fieldValidation` parameter (ValidateFieldValidation). */
export function fieldValidationErrors(q: URLSearchParams): FieldError[] {
  const v = q.get('fieldValidation') ?? '';
  return ALLOWED.includes(v) ? [] : [notSupported('fieldValidation', v, ALLOWED)];
}

/** 422 for a bad `fieldValidation`, as ValidateCreateOptions / ValidateUpdateOptions report it. */
export function checkFieldValidationOption(
  q: URLSearchParams,
  options: 'CreateOptions' | 'UpdateOptions',
): void {
  const errs = fieldValidationErrors(q);
  if (errs.length > 0) throw invalid(options, 'meta.k8s.io', '', errs);
}

/** The directive in force: absent or empty means Warn. Assumes the value was validated. */
export function fieldValidationOf(q: URLSearchParams): FieldValidation {
  const v = q.get('fieldValidation') ?? '';
  return v === '' ? 'Warn' : (v as FieldValidation);
}

export interface Kind {
  group: string;
  version: string;
  kind: string;
}

function schemaOf(k: Kind): { name: string; schema: Schema } | undefined {
  const name = schemaNameOf(k.group, k.version, k.kind);
  const schema = name === undefined ? undefined : structuralSchemas()[name];
  return name === undefined || schema === undefined ? undefined : { name, schema };
}

/** upstream's transformDecodeError: `Pod in version "v1" cannot be handled as a Pod: <err>`. */
function cannotBeHandled(k: Kind, body: unknown, err: string): StatusError {
  const obj = (typeof body === 'object' && body !== null ? body : {}) as {
    kind?: unknown;
    apiVersion?: unknown;
  };
  const kind = typeof obj.kind === 'string' && obj.kind !== '' ? obj.kind : k.kind;
  const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
  const version = apiVersion === '' ? k.version : apiVersion.slice(apiVersion.indexOf('/') + 1);
  return StatusError.from(
    400,
    'BadRequest',
    `${kind} in version ${JSON.stringify(version)} cannot be handled as a ${k.kind}: ${err}`,
  );
}

/** The 422 of a patch whose result does not decode: the `patch` field, shown as `shown`. */
function invalidPatch(shown: string, err: string): StatusError {
  return invalid('', '', '', [invalidValue('patch', shown, err)]);
}

function strictText(errors: readonly string[]): string {
  return `strict decoding error: ${errors.join(', ')}`;
}

function unknownText(path: readonly Segment[]): string {
  return `unknown field ${JSON.stringify(decoderPath(path))}`;
}

/** The duplicate-field errors of a JSON text, as the strict decoder words them. */
function duplicateTexts(json: string | undefined): Array<{ text: string; offset: number }> {
  if (json === undefined || !hasDuplicateKeys(json)) return [];
  return jsonKeys(json).duplicates.map((d) => ({
    text: `duplicate field ${JSON.stringify(d.path)}`,
    offset: d.offset,
  }));
}

/** goyaml.v2's TypeError text (`yaml: unmarshal errors:` and one indented line per key). */
function yamlUnmarshalErrors(duplicates: readonly string[]): string {
  return `yaml: unmarshal errors:\n  ${duplicates.join('\n  ')}`;
}

/**
 * Orders paths as the strict JSON decoder meets them in the JSON that upstream makes of a YAML
 * body (sigs.k8s.io/yaml's YAMLToJSON writes object keys sorted).
 */
function sortedPathOrder(a: readonly Segment[], b: readonly Segment[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined || y === undefined) break;
    if ('field' in x && 'field' in y) {
      if (x.field !== y.field) return x.field < y.field ? -1 : 1;
    } else if ('index' in x && 'index' in y) {
      if (x.index !== y.index) return x.index - y.index;
    }
  }
  return a.length - b.length;
}

/** Collects the warnings of one request, once each, in order. */
export class Warnings {
  readonly #texts = new Set<string>();

  add(text: string): void {
    this.#texts.add(text);
  }

  /** The `Warning` header values: `299 - "text"`. */
  headers(): string[] {
    return [...this.#texts].map((t) => `299 - ${JSON.stringify(t)}`);
  }
}

/**
 * Checks a create or update body of kind `k` and drops its unknown fields. Under Strict the
 * request fails as upstream's decoder fails it: `Pod in version "v1" cannot be handled as a
 * Pod: strict decoding error: unknown field "spec.foo"`.
 */
export function checkBody(
  k: Kind,
  body: unknown,
  directive: FieldValidation,
  warnings: Warnings,
  json?: string,
): void {
  const root = schemaOf(k);
  const yamlDuplicates = yamlDuplicatesOf(body);
  if (root === undefined) {
    if (directive === 'Strict' && yamlDuplicates !== undefined && yamlDuplicates.length > 0) {
      throw cannotBeHandled(k, body, strictText([yamlUnmarshalErrors(yamlDuplicates)]));
    }
    return;
  }
  const schemas = structuralSchemas();
  const literals = json === undefined ? undefined : numberLiterals(json);
  const walked = walkObject(schemas, root.schema, body, directive !== 'Strict', literals);
  if (walked.mismatches.length > 0) {
    const err = decoderTypeError(schemas, root.name, walked.mismatches);
    if (err !== undefined) throw cannotBeHandled(k, body, err);
  }
  const unknown = walked.unknown;
  if (yamlDuplicates !== undefined) {
    unknown.sort(sortedPathOrder);
    // Only Strict can show them: the Warn warning holds newlines, which upstream does not send.
    if (directive === 'Strict' && yamlDuplicates.length > 0) {
      throw cannotBeHandled(
        k,
        body,
        strictText([yamlUnmarshalErrors(yamlDuplicates), ...unknown.map(unknownText)]),
      );
    }
  }
  const duplicates = directive === 'Ignore' ? [] : duplicateTexts(json);
  if (unknown.length === 0 && duplicates.length === 0) return;
  // The decoder reports both kinds of error as it meets them in the text.
  const offsets =
    json === undefined || duplicates.length === 0 ? undefined : jsonKeys(json).offsets;
  const errors = [
    ...unknown.map((p) => ({
      text: unknownText(p),
      offset: offsets?.get(decoderPath(p)) ?? Number.MAX_SAFE_INTEGER,
    })),
    ...duplicates,
  ]
    .sort((a, b) => a.offset - b.offset)
    .map((e) => e.text);
  if (directive === 'Strict') throw cannotBeHandled(k, body, strictText(errors));
  if (directive === 'Warn') for (const e of errors) warnings.add(e);
}

/** The fields of an operation of a JSON patch (upstream's jsonPatchOp). */
const JSON_PATCH_OP_FIELDS = new Set(['op', 'path', 'from', 'value']);

/**
 * The strict errors of a JSON patch document, decoded as upstream decodes it into []jsonPatchOp:
 * repeated fields of an operation or within a value, and fields an operation does not have,
 * in text order, each prefixed `json patch `.
 */
function jsonPatchTexts(text: string): string[] {
  const keys = jsonKeys(text);
  const errors: Array<{ text: string; offset: number }> = [];
  for (const d of keys.duplicates) {
    const rest = d.path.replace(/^\[\d+\]\./, '');
    if (rest === d.path) continue;
    if (JSON_PATCH_OP_FIELDS.has(rest) || /^value[.[]/.test(rest)) {
      errors.push({ text: `duplicate field ${JSON.stringify(d.path)}`, offset: d.offset });
    }
  }
  let ops: unknown;
  try {
    ops = JSON.parse(text);
  } catch {
    ops = undefined;
  }
  if (Array.isArray(ops)) {
    ops.forEach((op: unknown, i) => {
      if (typeof op !== 'object' || op === null || Array.isArray(op)) return;
      for (const field of Object.keys(op)) {
        if (JSON_PATCH_OP_FIELDS.has(field)) continue;
        const path = `[${i}].${field}`;
        const offset = keys.offsets.get(path) ?? Number.MAX_SAFE_INTEGER;
        errors.push({ text: `unknown field ${JSON.stringify(path)}`, offset });
      }
    });
  }
  return errors.sort((a, b) => a.offset - b.offset).map((e) => `json patch ${e.text}`);
}

/**
 * Where the number literals of a JSON or merge patch that JSON.parse reads otherwise (`3.0`) sit
 * in the patched object, by decoder path: upstream's patchers (evanphx/json-patch) carry a
 * value's text into the patched JSON, which is then decoded. A merge patch's paths are the
 * result's. A JSON patch's literals are those of the values its `add` and `replace` operations
 * put at their paths (`-` taken as the array's last element).
 */
function patchLiterals(
  patch: { text: string; type: 'json' | 'merge' | 'strategic' } | undefined,
  patched: unknown,
): Map<string, string> | undefined {
  if (patch === undefined || patch.type === 'strategic') return undefined;
  const literals = numberLiterals(patch.text);
  if (literals === undefined || patch.type === 'merge') return literals;
  let ops: unknown;
  try {
    ops = JSON.parse(patch.text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(ops)) return undefined;
  const out = new Map<string, string>();
  ops.forEach((op: unknown, i) => {
    const o = op as { op?: unknown; path?: unknown };
    if ((o.op !== 'add' && o.op !== 'replace') || typeof o.path !== 'string') return;
    const prefix = `[${i}].value`;
    let at: string | undefined;
    for (const [path, literal] of literals) {
      if (path !== prefix && !path.startsWith(`${prefix}.`) && !path.startsWith(`${prefix}[`)) {
        continue;
      }
      at ??= pointerPath(patched, o.path);
      const rest = path.slice(prefix.length);
      out.set(at === '' ? rest.replace(/^\./, '') : `${at}${rest}`, literal);
    }
  });
  return out.size > 0 ? out : undefined;
}

/** A JSON pointer into `doc` as a decoder path: `/spec/containers/0/ports` → `spec.containers[0].ports`. */
function pointerPath(doc: unknown, pointer: string): string {
  let out = '';
  let node = doc;
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      const index = seg === '-' ? node.length - 1 : Number(seg);
      out += `[${index}]`;
      node = node[index] as unknown;
    } else {
      out = out === '' ? seg : `${out}.${seg}`;
      node = isJsonObject(node) ? node[seg] : undefined;
    }
  }
  return out;
}

/**
 * Checks the result of a JSON, merge or strategic merge patch and drops its unknown fields.
 * Under Strict, or for a value of the wrong type, the request fails with upstream's 422 on the
 * `patch` field, whose value is the patched object (JSON and merge patches) or the patch as Go
 * prints a map (strategic). A strategic patch's result is converted from a map, not decoded from
 * JSON, so its type errors are the unstructured converter's.
 */
export function checkPatched(
  k: Kind,
  patched: unknown,
  directive: FieldValidation,
  warnings: Warnings,
  shownValue: () => string,
  patch?: { text: string; type: 'json' | 'merge' | 'strategic' },
): void {
  const root = schemaOf(k);
  if (root === undefined) return;
  const schemas = structuralSchemas();
  const walked = walkObject(schemas, root.schema, patched, true, patchLiterals(patch, patched));
  if (walked.mismatches.length > 0) {
    const err =
      patch?.type === 'strategic'
        ? converterTypeError(schemas, root.name, walked.mismatches)
        : decoderTypeError(schemas, root.name, walked.mismatches);
    if (err !== undefined) throw invalidPatch(shownValue(), err);
  }
  const unknown = walked.unknown;
  // The patch's own errors come first, as upstream decodes the patch before the result.
  const patchErrors =
    directive === 'Ignore' || patch === undefined
      ? []
      : patch.type === 'json'
        ? jsonPatchTexts(patch.text)
        : duplicateTexts(patch.text).map((d) => d.text);
  if (unknown.length === 0 && patchErrors.length === 0) return;
  const errors = [...patchErrors, ...unknown.map(unknownText)];
  if (directive === 'Strict') throw invalidPatch(shownValue(), strictText(errors));
  if (directive === 'Warn') for (const e of errors) warnings.add(e);
}

/**
 * Server-side apply under Strict, once the configuration is applied: keys repeated in it fail
 * the request as upstream's applyPatcher fails it (sigs.k8s.io/yaml UnmarshalStrict's error).
 * Under Warn the warning would hold newlines, which upstream does not send.
 */
export function checkAppliedDuplicates(config: unknown, directive: FieldValidation): void {
  const duplicates = yamlDuplicatesOf(config);
  if (directive !== 'Strict' || duplicates === undefined || duplicates.length === 0) return;
  throw badRequest(
    `error strict decoding YAML: error converting YAML to JSON: ${yamlUnmarshalErrors(duplicates)}`,
  );
}

/** `ns/name; group/version, Kind=Kind`, as the field manager names the applied object. */
function appliedObjectName(k: Kind, config: unknown): string {
  const meta = (config as { metadata?: { namespace?: unknown; name?: unknown } }).metadata;
  const ns = typeof meta?.namespace === 'string' ? meta.namespace : '';
  const name = typeof meta?.name === 'string' ? meta.name : '';
  return `${ns}/${name}; ${k.group}/${k.version}, Kind=${k.kind}`;
}

/** A plain Go error, which reaches the client as a 500 Status without a reason. */
function internalError(message: string): StatusError {
  return new StatusError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    code: 500,
  });
}

/**
 * Server-side apply: an applied configuration with unknown fields or values of the wrong type
 * fails whatever the directive, with structured-merge-diff's errors (`.spec.foo: field not
 * declared in schema`, `.spec.replicas: expected numeric (int or float), got string`), which
 * upstream returns as a 500 without a reason.
 */
export function checkApplied(k: Kind, config: unknown): void {
  const root = schemaOf(k);
  if (root === undefined) return;
  const walked = walkObject(structuralSchemas(), root.schema, config, false);
  const typeErrors = appliedTypeErrors(walked.mismatches, goValue);
  if (walked.unknown.length === 0 && typeErrors.length === 0) return;
  const type = typeOf({ group: k.group, kind: k.kind });
  const errors = [
    ...typeErrors.map((e) => `${typedPathString(type, e.mismatch.path)}: ${e.text}`),
    ...walked.unknown.map((p) => `${typedPathString(type, p)}: field not declared in schema`),
  ];
  const text =
    errors.length === 1 ? errors[0] : ['errors:', ...errors.map((e) => `  ${e}`)].join('\n');
  throw internalError(
    `failed to create typed patch object (${appliedObjectName(k, config)}): ${text}`,
  );
}

/**
 * The object server-side apply made, converted to its Go type as upstream's field manager does
 * (toVersioned): what structured-merge-diff let through (a fraction for an integer, an object for
 * an IntOrString) fails there with the unstructured converter's error, as a 500.
 */
export function checkAppliedResult(k: Kind, config: unknown, result: unknown): void {
  const root = schemaOf(k);
  if (root === undefined) return;
  const schemas = structuralSchemas();
  const walked = walkObject(schemas, root.schema, result, false);
  const err = converterTypeError(schemas, root.name, walked.mismatches);
  if (err === undefined) return;
  throw internalError(
    `failed to convert new object (${appliedObjectName(k, config)}) to proper version: ${err}`,
  );
}

/** A value as Go's `%+v` prints the result of decoding JSON into interface{} (maps sorted). */
export function goValue(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o).sort();
    return `map[${keys.map((key) => `${key}:${goValue(o[key])}`).join(' ')}]`;
  }
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return String(v);
    // Integral numbers decode to int64; the rest print as Go's shortest %g, whose exponent form
    // starts at 1e6 and below 1e-4 and has at least two exponent digits.
    const abs = Math.abs(v);
    if (abs >= 1e6 || abs < 1e-4) {
      return v.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
    }
    return String(v);
  }
  return String(v);
}
