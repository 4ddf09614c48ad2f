// Field selectors (`?fieldSelector=`) with the semantics of apimachinery v0.32
// pkg/fields/selector.go, plus the per-resource field tables upstream spreads over two places:
// the scheme's field label conversion funcs (which labels a request may name, and the error text
// when it names another) and each registry strategy's GetAttrs (the values objects are matched
// against). Everything here is pure; failures throw 400 BadRequest StatusErrors whose messages
// are exactly kube-apiserver's.
import { compareGoStrings, goQuote } from './labels.js';
import { badRequest } from './status.js';
import type { KubeObject } from './types.js';

/** One term. `==` parses to `=`, as upstream's Requirements() reports selection.Equals. */
export interface FieldRequirement {
  readonly field: string;
  readonly operator: '=' | '!=';
  readonly value: string;
}

/** Maps a requested label/value to the stored one, or throws; upstream's TransformFunc. */
export type FieldTransform = (field: string, value: string) => [field: string, value: string];

/** fields.EscapeValue: `\`, `,` and `=` are backslash-escaped inside values. */
export function escapeFieldValue(value: string): string {
  return value.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/** fields.UnescapeValue; throws BadRequest with upstream's message for a bad escape. */
export function unescapeFieldValue(value: string): string {
  if (!/[\\,=]/.test(value)) return value;
  let out = '';
  let inSlash = false;
  for (const c of value) {
    if (inSlash) {
      if (c !== '\\' && c !== ',' && c !== '=') {
        throw badRequest(`invalid field selector: invalid escape sequence: \\${c}`);
      }
      out += c;
      inSlash = false;
    } else if (c === '\\') {
      inSlash = true;
    } else if (c === ',' || c === '=') {
      // Upstream formats the rune with %v, which prints its code point number.
      throw badRequest(
        `invalid field selector: unescaped character in value: ${c.codePointAt(0) ?? 0}`,
      );
    } else {
      out += c;
    }
  }
  if (inSlash) throw badRequest('invalid field selector: invalid escape sequence: \\');
  return out;
}

/**
 * A field selector: the AND of its terms, in the sorted order parsing produces. A field absent
 * from the object's field set reads as "", so `f!=x` matches objects without `f`.
 */
export class FieldSelector {
  private static readonly EVERYTHING = new FieldSelector([]);

  private constructor(readonly requirements: readonly FieldRequirement[]) {}

  static everything(): FieldSelector {
    return FieldSelector.EVERYTHING;
  }

  static of(requirements: readonly FieldRequirement[]): FieldSelector {
    return requirements.length === 0 ? FieldSelector.EVERYTHING : new FieldSelector(requirements);
  }

  /** fields.SelectorFromSet / OneTermEqualSelector: `k=v` for each entry. */
  static fromSet(set: Readonly<Record<string, string>>): FieldSelector {
    return FieldSelector.of(
      Object.entries(set).map(([field, value]) => ({ field, operator: '=', value })),
    );
  }

  matches(fields: Readonly<Record<string, string>>): boolean {
    return this.requirements.every((r) => {
      const have = Object.prototype.hasOwnProperty.call(fields, r.field)
        ? (fields[r.field] ?? '')
        : '';
      return r.operator === '=' ? have === r.value : have !== r.value;
    });
  }

  isEmpty(): boolean {
    return this.requirements.length === 0;
  }

  /** `f=v,g!=w` with values re-escaped; the empty selector prints as "". */
  toString(): string {
    return this.requirements
      .map((r) => `${r.field}${r.operator}${escapeFieldValue(r.value)}`)
      .join(',');
  }

  /** The value an `=` term pins `field` to (first such term), as RequiresExactMatch. */
  requiresExactMatch(field: string): string | undefined {
    return this.requirements.find((r) => r.operator === '=' && r.field === field)?.value;
  }

  /**
   * Selector.Transform: rewrites every term through `fn`, in order, stopping at the first throw.
   * A term mapped to an empty field and empty value is dropped (it then selects everything).
   */
  transform(fn: FieldTransform): FieldSelector {
    const out: FieldRequirement[] = [];
    for (const r of this.requirements) {
      const [field, value] = fn(r.field, r.value);
      if (field === '' && value === '') continue;
      out.push({ field, operator: r.operator, value });
    }
    return FieldSelector.of(out);
  }
}

/** Splits on unescaped commas; a backslash protects the character after it. */
function splitTerms(selector: string): string[] {
  if (selector === '') return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms;
}

/** The first operator position, trying `!=`, then `==`, then `=` at each index. */
function splitTerm(term: string): [string, '=' | '==' | '!=', string] | undefined {
  for (let i = 0; i < term.length; i++) {
    const rest = term.slice(i);
    for (const op of ['!=', '=='] as const) {
      if (rest.startsWith(op)) return [term.slice(0, i), op, term.slice(i + 2)];
    }
    if (rest.startsWith('=')) return [term.slice(0, i), '=', term.slice(i + 1)];
  }
  return undefined;
}

/**
 * fields.ParseSelector. Terms are comma-separated `field=value`, `field==value` or
 * `field!=value`; values may escape `\,`, `\=` and `\\`. No whitespace is trimmed. Terms are
 * sorted, empty terms skipped, and a bare `=` term vanishes. Throws BadRequest with upstream's
 * texts: `invalid selector: '<selector>'; can't understand '<term>'`, `invalid field selector:
 * invalid escape sequence: \x`, `invalid field selector: unescaped character in value: 61`.
 */
export function parseFieldSelector(selector: string): FieldSelector {
  const terms = splitTerms(selector).sort(compareGoStrings);
  const reqs: FieldRequirement[] = [];
  for (const term of terms) {
    if (term === '') continue;
    const split = splitTerm(term);
    if (split === undefined) {
      throw badRequest(`invalid selector: '${selector}'; can't understand '${term}'`);
    }
    const [field, op, raw] = split;
    reqs.push({ field, operator: op === '!=' ? '!=' : '=', value: unescapeFieldValue(raw) });
  }
  return FieldSelector.of(reqs).transform((f, v) => [f, v]);
}

// ---------------------------------------------------------------------------------------------
// Per-resource field labels (runtime.Scheme.ConvertFieldLabel at v1.32).

interface FieldLabels {
  /** Accepted request label → label in the selectable field set. */
  readonly labels: Readonly<Record<string, string>>;
  readonly unsupported: (label: string) => string;
}

const same = (...labels: string[]): Record<string, string> =>
  Object.fromEntries(labels.map((l) => [l, l]));

const notSupported = (label: string): string => `field label not supported: ${label}`;

/** Kinds without a conversion func: runtime.DefaultMetaV1FieldSelectorConversion. */
const DEFAULT_LABELS: FieldLabels = {
  labels: same('metadata.name', 'metadata.namespace'),
  unsupported: (label) =>
    `${goQuote(label)} is not a known field selector: only "metadata.name", "metadata.namespace"`,
};

const CORE_EVENT_LABELS = same(
  'involvedObject.kind',
  'involvedObject.namespace',
  'involvedObject.name',
  'involvedObject.uid',
  'involvedObject.apiVersion',
  'involvedObject.resourceVersion',
  'involvedObject.fieldPath',
  'reason',
  'reportingComponent',
  'source',
  'type',
  'metadata.namespace',
  'metadata.name',
);

/** Keyed by `group/resource` (core group: `/pods`). Only kinds upstream registers a func for. */
const FIELD_LABELS: Readonly<Record<string, FieldLabels>> = {
  '/pods': {
    labels: {
      ...same(
        'metadata.name',
        'metadata.namespace',
        'spec.nodeName',
        'spec.restartPolicy',
        'spec.schedulerName',
        'spec.serviceAccountName',
        'spec.hostNetwork',
        'status.phase',
        'status.podIP',
        'status.podIPs',
        'status.nominatedNodeName',
      ),
      // Old v1 clients still send spec.host.
      'spec.host': 'spec.nodeName',
    },
    unsupported: notSupported,
  },
  '/nodes': { labels: same('metadata.name', 'spec.unschedulable'), unsupported: notSupported },
  '/replicationcontrollers': {
    labels: same('metadata.name', 'metadata.namespace', 'status.replicas'),
    unsupported: notSupported,
  },
  '/events': { labels: CORE_EVENT_LABELS, unsupported: notSupported },
  '/namespaces': { labels: same('status.phase', 'metadata.name'), unsupported: notSupported },
  '/secrets': {
    labels: same('type', 'metadata.namespace', 'metadata.name'),
    unsupported: notSupported,
  },
  '/services': {
    labels: same('metadata.namespace', 'metadata.name', 'spec.clusterIP', 'spec.type'),
    unsupported: notSupported,
  },
  'batch/jobs': {
    labels: same('metadata.name', 'metadata.namespace', 'status.successful'),
    unsupported: (label) => `field label ${goQuote(label)} not supported for batchv1.Job`,
  },
  'certificates.k8s.io/certificatesigningrequests': {
    labels: same('metadata.name', 'spec.signerName'),
    unsupported: notSupported,
  },
  // events.k8s.io events are core events converted; its names map onto the internal field set.
  'events.k8s.io/events': {
    labels: {
      reason: 'reason',
      'regarding.kind': 'involvedObject.kind',
      'regarding.namespace': 'involvedObject.namespace',
      'regarding.name': 'involvedObject.name',
      'regarding.uid': 'involvedObject.uid',
      'regarding.apiVersion': 'involvedObject.apiVersion',
      'regarding.resourceVersion': 'involvedObject.resourceVersion',
      'regarding.fieldPath': 'involvedObject.fieldPath',
      reportingController: 'reportingComponent',
      source: 'source',
      type: 'type',
      'metadata.namespace': 'metadata.namespace',
      'metadata.name': 'metadata.name',
    },
    unsupported: notSupported,
  },
};

function fieldLabelsFor(group: string, resource: string): FieldLabels {
  const key = `${group}/${resource}`;
  return Object.prototype.hasOwnProperty.call(FIELD_LABELS, key)
    ? (FIELD_LABELS[key] ?? DEFAULT_LABELS)
    : DEFAULT_LABELS;
}

/**
 * The list handler's field label conversion: checks that every term names a field `resource`
 * supports, throwing BadRequest with the first unsupported label's upstream text, e.g. `field
 * label not supported: foo` for pods or `"foo" is not a known field selector: only
 * "metadata.name", "metadata.namespace"` for kinds with no field selectors of their own.
 *
 * Returns the selector with request labels renamed to their canonical keys (`spec.host` →
 * `spec.nodeName`, events.k8s.io `regarding.*` → `involvedObject.*`). Matching the original
 * selector works too, because selectableFields() also carries those aliases.
 */
export function validateFieldSelector(
  group: string,
  resource: string,
  selector: FieldSelector,
): FieldSelector {
  const table = fieldLabelsFor(group, resource);
  return selector.transform((field, value) => {
    const mapped = Object.prototype.hasOwnProperty.call(table.labels, field)
      ? table.labels[field]
      : undefined;
    if (mapped === undefined) throw badRequest(table.unsupported(field));
    return [mapped, value];
  });
}

/** The request labels `resource` accepts in a field selector, for help texts and discovery. */
export function supportedFieldLabels(group: string, resource: string): string[] {
  return Object.keys(fieldLabelsFor(group, resource).labels);
}

// ---------------------------------------------------------------------------------------------
// Per-resource field values (each strategy's GetAttrs / ToSelectableFields at v1.32).

function at(obj: unknown, ...path: string[]): unknown {
  let cur = obj;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

/** A string field as Go's zero-valued string: anything else reads as "". */
function str(obj: unknown, ...path: string[]): string {
  const v = at(obj, ...path);
  return typeof v === 'string' ? v : '';
}

/** strconv.Itoa of an int field, 0 when absent. */
function int(obj: unknown, ...path: string[]): string {
  const v = at(obj, ...path);
  return typeof v === 'number' && Number.isFinite(v) ? String(Math.trunc(v)) : '0';
}

/** strconv.FormatBool of a bool field, false when absent. */
function bool(obj: unknown, ...path: string[]): string {
  return at(obj, ...path) === true ? 'true' : 'false';
}

function podFields(pod: KubeObject): Record<string, string> {
  const podIPs = at(pod, 'status', 'podIPs');
  const firstIP = Array.isArray(podIPs) ? str(podIPs[0], 'ip') : '';
  return {
    'spec.nodeName': str(pod, 'spec', 'nodeName'),
    'spec.restartPolicy': str(pod, 'spec', 'restartPolicy'),
    'spec.schedulerName': str(pod, 'spec', 'schedulerName'),
    // v1 → internal conversion falls back to the deprecated serviceAccount field.
    'spec.serviceAccountName':
      str(pod, 'spec', 'serviceAccountName') || str(pod, 'spec', 'serviceAccount'),
    'spec.hostNetwork': bool(pod, 'spec', 'hostNetwork'),
    'status.phase': str(pod, 'status', 'phase'),
    // Internally only podIPs exists; a lone v1 podIP converts into podIPs[0].
    'status.podIP': firstIP || str(pod, 'status', 'podIP'),
    'status.nominatedNodeName': str(pod, 'status', 'nominatedNodeName'),
    // status.podIPs is an accepted label but upstream never fills it in: it always reads "".
  };
}

/**
 * The internal Event's selectable fields, read from either API's shape (the API server converts
 * objects to the requested API before matching): core/v1 names, or events.k8s.io/v1's
 * (`regarding`, `reportingController`, `deprecatedSource`).
 */
function eventFields(shape: 'core' | 'events.k8s.io') {
  const [refField, reportingField, sourceField] =
    shape === 'core'
      ? ['involvedObject', 'reportingComponent', 'source']
      : ['regarding', 'reportingController', 'deprecatedSource'];
  return (ev: KubeObject): Record<string, string> => {
    const ref = at(ev, refField);
    const reporting = str(ev, reportingField);
    return {
      'involvedObject.kind': str(ref, 'kind'),
      'involvedObject.namespace': str(ref, 'namespace'),
      'involvedObject.name': str(ref, 'name'),
      'involvedObject.uid': str(ref, 'uid'),
      'involvedObject.apiVersion': str(ref, 'apiVersion'),
      'involvedObject.resourceVersion': str(ref, 'resourceVersion'),
      'involvedObject.fieldPath': str(ref, 'fieldPath'),
      reason: str(ev, 'reason'),
      reportingComponent: reporting,
      source: str(ev, sourceField, 'component') || reporting,
      type: str(ev, 'type'),
    };
  };
}

const SPECIFIC_FIELDS: Readonly<Record<string, (obj: KubeObject) => Record<string, string>>> = {
  '/pods': podFields,
  '/events': eventFields('core'),
  'events.k8s.io/events': eventFields('events.k8s.io'),
  '/secrets': (o) => ({ type: str(o, 'type') }),
  '/nodes': (o) => ({ 'spec.unschedulable': bool(o, 'spec', 'unschedulable') }),
  '/namespaces': (o) => ({ 'status.phase': str(o, 'status', 'phase') }),
  '/replicationcontrollers': (o) => ({ 'status.replicas': int(o, 'status', 'replicas') }),
  'apps/replicasets': (o) => ({ 'status.replicas': int(o, 'status', 'replicas') }),
  'batch/jobs': (o) => ({ 'status.successful': int(o, 'status', 'succeeded') }),
  '/services': (o) => ({
    'spec.clusterIP': str(o, 'spec', 'clusterIP'),
    'spec.type': str(o, 'spec', 'type'),
  }),
  'certificates.k8s.io/certificatesigningrequests': (o) => ({
    'spec.signerName': str(o, 'spec', 'signerName'),
  }),
};

/**
 * The field set a field selector is matched against: metadata.name always, metadata.namespace
 * when the object has one (cluster-scoped objects do not; an absent field reads as "" either
 * way), the resource's own fields under their canonical names, and the request-side aliases
 * (`spec.host`, `regarding.*`, `reportingController`). Values are formatted as upstream's
 * (booleans `true`/`false`, integers in decimal, absent strings "").
 */
export function selectableFields(
  group: string,
  resource: string,
  obj: KubeObject,
): Record<string, string> {
  const fields: Record<string, string> = {};
  const key = `${group}/${resource}`;
  if (Object.prototype.hasOwnProperty.call(SPECIFIC_FIELDS, key)) {
    Object.assign(fields, SPECIFIC_FIELDS[key]?.(obj));
  }
  fields['metadata.name'] = obj.metadata.name ?? '';
  if (obj.metadata.namespace !== undefined) fields['metadata.namespace'] = obj.metadata.namespace;
  // Request-side aliases, so a selector matched without validateFieldSelector's renaming agrees.
  const table = fieldLabelsFor(group, resource);
  for (const [label, canonical] of Object.entries(table.labels)) {
    const value = fields[canonical];
    if (label !== canonical && value !== undefined) fields[label] = value;
  }
  return fields;
}
