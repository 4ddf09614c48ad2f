// Field errors and name/label validation with upstream's wording (apimachinery's field.Error and
// util/validation), so kubectl prints the same `The Pod "x" is invalid: ...` text.
import type { FieldError } from './status.js';

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value ?? null);
}

export function required(field: string, detail = ''): FieldError {
  return {
    type: 'FieldValueRequired',
    field,
    detail: detail === '' ? 'Required value' : `Required value: ${detail}`,
  };
}

export function invalidValue(field: string, value: unknown, detail: string): FieldError {
  return invalidRendered(field, show(value), detail);
}

export function notSupported(
  field: string,
  value: unknown,
  supported: readonly string[],
): FieldError {
  return notSupportedRendered(field, show(value), supported);
}

export function forbidden(field: string, detail: string): FieldError {
  return { type: 'FieldValueForbidden', field, detail: `Forbidden: ${detail}` };
}

export function notFound(field: string, value: unknown): FieldError {
  return { type: 'FieldValueNotFound', field, detail: `Not found: ${show(value)}` };
}

export function duplicate(field: string, value: unknown): FieldError {
  return duplicateRendered(field, show(value));
}

/** A value already rendered the way Go's %#v prints it (a struct, a map, a selector). */
export function duplicateRendered(field: string, rendered: string): FieldError {
  return { type: 'FieldValueDuplicate', field, detail: `Duplicate value: ${rendered}` };
}

export function invalidRendered(field: string, rendered: string, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field, detail: `Invalid value: ${rendered}: ${detail}` };
}

export function notSupportedRendered(
  field: string,
  rendered: string,
  supported: readonly string[],
): FieldError {
  const list = supported.map((s) => JSON.stringify(s)).join(', ');
  return {
    type: 'FieldValueNotSupported',
    field,
    detail: `Unsupported value: ${rendered}: supported values: ${list}`,
  };
}

export function notFoundValue(field: string, value: unknown): FieldError {
  return { type: 'FieldValueNotFound', field, detail: `Not found: ${show(value)}` };
}

/** field.TooLong as of apimachinery 1.32: the value is never shown. */
export function tooLong(field: string, maxBytes: number): FieldError {
  return {
    type: 'FieldValueTooLong',
    field,
    detail: `Too long: may not be more than ${maxBytes} bytes`,
  };
}

/** Go's %#v of a map[string]string: keys sorted, `map[string]string{"a":"b", "c":"d"}`. */
export function goStringMap(m: unknown): string {
  if (m === undefined || m === null) return 'map[string]string(nil)';
  const rec = m as Record<string, unknown>;
  const entries = Object.keys(rec)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${JSON.stringify(String(rec[k]))}`);
  return `map[string]string{${entries.join(', ')}}`;
}

/**
 * Go's %#v of a metav1.LabelSelector (the value field.Invalid prints for a selector):
 * `v1.LabelSelector{MatchLabels:map[string]string{"app":"x"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}`.
 */
export function goStringLabelSelector(sel: unknown): string {
  const s = (typeof sel === 'object' && sel !== null ? sel : {}) as {
    matchLabels?: unknown;
    matchExpressions?: unknown;
  };
  const exprs = Array.isArray(s.matchExpressions) ? (s.matchExpressions as unknown[]) : undefined;
  const renderedExprs =
    exprs === undefined
      ? '[]v1.LabelSelectorRequirement(nil)'
      : `[]v1.LabelSelectorRequirement{${exprs
          .map((e) => {
            const r = (e ?? {}) as { key?: unknown; operator?: unknown; values?: unknown };
            const values = Array.isArray(r.values)
              ? `[]string{${(r.values as unknown[]).map((v) => JSON.stringify(String(v))).join(', ')}}`
              : '[]string(nil)';
            return `v1.LabelSelectorRequirement{Key:${JSON.stringify(String(r.key ?? ''))}, Operator:${JSON.stringify(String(r.operator ?? ''))}, Values:${values}}`;
          })
          .join(', ')}}`;
  return `v1.LabelSelector{MatchLabels:${goStringMap(s.matchLabels)}, MatchExpressions:${renderedExprs}}`;
}

/** Go's %#v of an intstr.IntOrString. */
export function goStringIntOrString(v: unknown): string {
  if (typeof v === 'string')
    return `intstr.IntOrString{Type:1, IntVal:0, StrVal:${JSON.stringify(v)}}`;
  const n = typeof v === 'number' ? v : 0;
  return `intstr.IntOrString{Type:0, IntVal:${n}, StrVal:""}`;
}

const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN = `${DNS1123_LABEL}(\\.${DNS1123_LABEL})*`;
const DNS1035_LABEL = '[a-z]([-a-z0-9]*[a-z0-9])?';
const LABEL_VALUE = '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?';
const QUALIFIED_NAME = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';

/** Anchored regexes, compiled once: names and labels are checked on every write. */
const compiled = new Map<string, RegExp>();
function full(re: string): RegExp {
  let r = compiled.get(re);
  if (r === undefined) {
    r = new RegExp(`^${re}$`);
    compiled.set(re, r);
  }
  return r;
}

/** Returns the problems with `value` as a DNS-1123 subdomain (empty when valid). */
export function dns1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 253) errs.push('must be no more than 253 characters');
  if (!full(DNS1123_SUBDOMAIN).test(value)) {
    errs.push(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '" +
        DNS1123_SUBDOMAIN.replace(/\\\\/g, '\\') +
        "')",
    );
  }
  return errs;
}

export function dns1123Label(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push('must be no more than 63 characters');
  if (!full(DNS1123_LABEL).test(value)) {
    errs.push(
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '" +
        DNS1123_LABEL +
        "')",
    );
  }
  return errs;
}

export function dns1035Label(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push('must be no more than 63 characters');
  if (!full(DNS1035_LABEL).test(value)) {
    errs.push(
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '" +
        DNS1035_LABEL +
        "')",
    );
  }
  return errs;
}

/**
 * path.IsValidPathSegmentName: the only rule for names of kinds whose strategy checks none of its
 * own (core/v1 Events): the name must fit in one URL path segment.
 */
export function pathSegmentName(value: string): string[] {
  if (value === '.' || value === '..') return [`may not be '${value}'`];
  return ['/', '%'].filter((c) => value.includes(c)).map((c) => `may not contain '${c}'`);
}

/** validation.IsValidPortName (IANA_SVC_NAME): container and service port names. */
export function portName(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 15) errs.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(value)) {
    errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  }
  if (!/[a-z]/.test(value)) errs.push('must contain at least one letter (a-z)');
  if (value.includes('--')) errs.push('must not contain consecutive hyphens');
  if (value.startsWith('-') || value.endsWith('-')) {
    errs.push('must not begin or end with a hyphen');
  }
  return errs;
}

/** validation.IsValidPortNum. */
export function portNumber(value: unknown): string[] {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535
    ? []
    : ['must be between 1 and 65535, inclusive'];
}

/**
 * validation.IsRelaxedEnvVarName: the rule Kubernetes 1.32 applies (RelaxedEnvironmentVariable
 * Validation is beta and on by default there).
 */
export function envVarName(value: string): string[] {
  const errs: string[] = [];
  if (value === '') errs.push('environment variable name must be non-empty');
  for (const ch of value) {
    const c = ch.codePointAt(0) ?? 0;
    if (c > 0x7e || c < 0x20 || ch === '=') {
      errs.push(
        "a valid environment variable name must consist only of printable ASCII characters other than '='",
      );
      break;
    }
  }
  return errs;
}

/** validation.IsConfigMapKey: ConfigMap and Secret data keys. */
export function configMapKey(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 253) errs.push('must be no more than 253 characters');
  if (!/^[-._a-zA-Z0-9]+$/.test(value)) {
    errs.push(
      "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
    );
  }
  if (value === '.') errs.push("must not be '.'");
  else if (value === '..') errs.push("must not be '..'");
  else if (value.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

/** Names like `app` or `example.com/app` (label and annotation keys). */
export function qualifiedName(value: string): string[] {
  const parts = value.split('/');
  let name = value;
  const errs: string[] = [];
  if (parts.length === 2) {
    const [prefix, rest] = parts as [string, string];
    name = rest;
    if (prefix === '') errs.push('prefix part must be non-empty');
    else errs.push(...dns1123Subdomain(prefix).map((e) => `prefix part ${e}`));
  } else if (parts.length > 2) {
    return [
      "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '" +
        QUALIFIED_NAME +
        "') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name === '') errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push('name part must be no more than 63 characters');
  // Upstream checks the pattern even after an empty name part, so "" gets both messages.
  if (!full(QUALIFIED_NAME).test(name)) {
    errs.push(
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '" +
        QUALIFIED_NAME +
        "')",
    );
  }
  return errs;
}

export function labelValue(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push('must be no more than 63 characters');
  if (!full(LABEL_VALUE).test(value)) {
    errs.push(
      "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '" +
        LABEL_VALUE +
        "')",
    );
  }
  return errs;
}

/** Validates a labels map the way upstream's ValidateLabels does. */
export function validateLabels(labels: unknown, field: string): FieldError[] {
  if (labels === undefined || labels === null) return [];
  if (typeof labels !== 'object' || Array.isArray(labels)) {
    return [invalidValue(field, labels, 'must be a map of string keys to string values')];
  }
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels as Record<string, unknown>)) {
    for (const e of qualifiedName(k)) errs.push(invalidValue(field, k, e));
    if (typeof v !== 'string') errs.push(invalidValue(field, v, 'must be a string'));
    else for (const e of labelValue(v)) errs.push(invalidValue(field, v, e));
  }
  return errs;
}

const encoder = new TextEncoder();

/** Go's len() of a string: its UTF-8 bytes. */
export function utf8Length(s: string): number {
  // ASCII is the common case and needs no encoding.
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(s) ? s.length : encoder.encode(s).length;
}

const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

export function validateAnnotations(annotations: unknown, field: string): FieldError[] {
  if (annotations === undefined || annotations === null) return [];
  if (typeof annotations !== 'object' || Array.isArray(annotations)) {
    return [invalidValue(field, annotations, 'must be a map of string keys to string values')];
  }
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(annotations as Record<string, unknown>)) {
    for (const e of qualifiedName(k.toLowerCase())) errs.push(invalidValue(field, k, e));
    if (typeof v !== 'string') errs.push(invalidValue(field, v, 'must be a string'));
    else size += utf8Length(k) + utf8Length(v);
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(tooLong(field, TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

type JsonRecord = Record<string, unknown>;

function record(v: unknown): JsonRecord | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as JsonRecord) : undefined;
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** metav1validation.ValidateLabelName: a label key (or topology key) is a qualified name. */
export function validateLabelName(name: string, field: string): FieldError[] {
  return qualifiedName(name).map((e) => invalidValue(field, name, e));
}

/**
 * metav1validation.ValidateLabelSelector (AllowInvalidLabelValueInSelector off): matchLabels as
 * labels, then each requirement's operator, values and key.
 */
export function validateLabelSelector(sel: unknown, field: string): FieldError[] {
  const s = record(sel);
  if (s === undefined) return [];
  const errs: FieldError[] = [];
  const labels = record(s.matchLabels) ?? {};
  for (const [k, v] of Object.entries(labels)) {
    errs.push(...validateLabelName(k, `${field}.matchLabels`));
    for (const e of labelValue(str(v))) errs.push(invalidValue(`${field}.matchLabels`, v, e));
  }
  list(s.matchExpressions).forEach((raw, i) => {
    const r = record(raw) ?? {};
    const at = `${field}.matchExpressions[${i}]`;
    const values = list(r.values);
    switch (r.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) {
          errs.push(
            required(`${at}.values`, "must be specified when `operator` is 'In' or 'NotIn'"),
          );
        }
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) {
          errs.push(
            forbidden(
              `${at}.values`,
              "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
            ),
          );
        }
        break;
      default:
        errs.push(invalidValue(`${at}.operator`, str(r.operator), 'not a valid selector operator'));
    }
    errs.push(...validateLabelName(str(r.key), `${at}.key`));
    values.forEach((v, j) => {
      for (const e of labelValue(str(v))) errs.push(invalidValue(`${at}.values[${j}]`, v, e));
    });
  });
  return errs;
}

/** Upstream's ValidateNodeSelectorRequirement (a matchExpressions entry of a NodeSelectorTerm). */
function validateNodeSelectorRequirement(raw: unknown, at: string): FieldError[] {
  const r = record(raw) ?? {};
  const values = list(r.values);
  const errs: FieldError[] = [];
  switch (r.operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) {
        errs.push(required(`${at}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
      }
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) {
        errs.push(
          forbidden(
            `${at}.values`,
            "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
          ),
        );
      }
      break;
    case 'Gt':
    case 'Lt':
      if (values.length !== 1) {
        errs.push(
          required(
            `${at}.values`,
            "must be specified single value when `operator` is 'Lt' or 'Gt'",
          ),
        );
      }
      break;
    default:
      errs.push(invalidValue(`${at}.operator`, str(r.operator), 'not a valid selector operator'));
  }
  errs.push(...validateLabelName(str(r.key), `${at}.key`));
  return errs;
}

/** Upstream's ValidateNodeFieldSelectorRequirement: only metadata.name, with one value. */
function validateNodeFieldSelectorRequirement(raw: unknown, at: string): FieldError[] {
  const r = record(raw) ?? {};
  const values = list(r.values);
  const errs: FieldError[] = [];
  if (r.operator === 'In' || r.operator === 'NotIn') {
    if (values.length !== 1) {
      errs.push(
        required(
          `${at}.values`,
          "must be only one value when `operator` is 'In' or 'NotIn' for node field selector",
        ),
      );
    }
  } else {
    errs.push(invalidValue(`${at}.operator`, str(r.operator), 'not a valid selector operator'));
  }
  if (r.key !== 'metadata.name') {
    errs.push(invalidValue(`${at}.key`, str(r.key), 'not a valid field selector key'));
  } else {
    values.forEach((v, i) => {
      for (const e of dns1123Subdomain(str(v))) errs.push(invalidValue(`${at}.values[${i}]`, v, e));
    });
  }
  return errs;
}

/** Upstream's ValidateNodeSelector: at least one term, each term's expressions and fields. */
export function validateNodeSelector(sel: unknown, field: string): FieldError[] {
  const terms = list(record(sel)?.nodeSelectorTerms);
  const termsPath = `${field}.nodeSelectorTerms`;
  if (terms.length === 0) {
    return [required(termsPath, 'must have at least one node selector term')];
  }
  const errs: FieldError[] = [];
  terms.forEach((raw, i) => {
    const term = record(raw) ?? {};
    const at = `${termsPath}[${i}]`;
    list(term.matchExpressions).forEach((r, j) => {
      errs.push(...validateNodeSelectorRequirement(r, `${at}.matchExpressions[${j}]`));
    });
    list(term.matchFields).forEach((r, j) => {
      errs.push(...validateNodeFieldSelectorRequirement(r, `${at}.matchFields[${j}]`));
    });
  });
  return errs;
}

/**
 * Upstream's ValidateTopologySelectorTerm: each requirement has values (no repeats) and a label
 * key, no key twice. Returns the term as key → values too, which callers compare for duplicates.
 */
export function validateTopologySelectorTerm(
  raw: unknown,
  field: string,
): [Map<string, Set<string>>, FieldError[]] {
  const errs: FieldError[] = [];
  const byKey = new Map<string, Set<string>>();
  list(record(raw)?.matchLabelExpressions).forEach((r, i) => {
    const req = record(r) ?? {};
    const at = `${field}.matchLabelExpressions[${i}]`;
    const values = list(req.values);
    const set = new Set<string>();
    if (values.length === 0) errs.push(required(`${at}.values`));
    values.forEach((v, j) => {
      const value = str(v);
      if (set.has(value)) errs.push(duplicate(`${at}.values[${j}]`, value));
      set.add(value);
    });
    const key = str(req.key);
    errs.push(...validateLabelName(key, `${at}.key`));
    if (byKey.has(key)) errs.push(duplicate(`${at}.key`, key));
    byKey.set(key, set);
  });
  return [byKey, errs];
}

/**
 * validatePathNoBacksteps: no `..` element (one error however many there are).
 */
export function validatePathNoBacksteps(path: string, field: string): FieldError[] {
  return path.split('/').includes('..') ? [invalidValue(field, path, "must not contain '..'")] : [];
}

/**
 * Go's %#v of a core.ResourceList (a map of names to resource.Quantity structs), which
 * field.NotSupported prints for a PersistentVolume's capacity: keys sorted, each quantity as
 * ParseQuantity builds it from the canonical string kbox stores (int64Amount, and the string
 * kept when it is in canonical form).
 */
export function goStringResourceList(v: unknown): string {
  const rec = record(v);
  if (rec === undefined) return 'core.ResourceList(nil)';
  const entries = Object.keys(rec)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${goStringQuantity(str(rec[k]))}`);
  return `core.ResourceList{${entries.join(', ')}}`;
}

const DECIMAL_SCALE: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const BINARY_SHIFT: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

/**
 * ParseQuantity's fast path for a whole mantissa: the int64Amount, and the string kept only when
 * it is already canonical (decimal: a scale that is a multiple of 3, no trailing "000", no leading
 * zero; binary: a mantissa that is not a multiple of 8).
 */
function goStringQuantity(q: string): string {
  const m = /^(-?)(\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]?)|[eE]([+-]?\d+))$/.exec(q);
  let value = '0';
  let scale = 0;
  let format = 'DecimalSI';
  let kept = '';
  if (m) {
    const [, sign = '', digits = '0', suffix = '', exponent] = m;
    const shift = BINARY_SHIFT[suffix];
    if (shift !== undefined) {
      value = `${sign}${BigInt(digits) << BigInt(shift)}`;
      format = 'BinarySI';
      if ((BigInt(digits) & 7n) !== 0n) kept = q;
    } else {
      value = `${sign}${digits}`;
      scale = exponent !== undefined ? Number(exponent) : (DECIMAL_SCALE[suffix] ?? 0);
      if (exponent !== undefined) format = 'DecimalExponent';
      if (scale % 3 === 0 && !digits.endsWith('000') && !digits.startsWith('0')) kept = q;
    }
  }
  return `resource.Quantity{i:resource.int64Amount{value:${value}, scale:${scale}}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:${JSON.stringify(kept)}, Format:${JSON.stringify(format)}}`;
}
