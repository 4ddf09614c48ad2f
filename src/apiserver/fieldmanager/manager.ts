// metadata.managedFields: who owns which fields, kept on every write (operation Update) and used
// by server-side apply (operation Apply) to merge, prune and detect conflicts. Follows upstream's
// fieldmanager (k8s.io/apiserver) and structured-merge-diff's Updater as clients observe them.

import { StatusError, type StatusCause } from '../../api/status.js';
import type { KubeObject, ManagedFieldsEntry } from '../../api/types.js';
import { isJsonObject, type JsonObject } from '../patch/json-value.js';
import type { SchemaKey } from '../patch/strategies.js';
import { FieldSet, pathString, type FieldPath } from './fieldset.js';
import {
  compare,
  createdFieldsV1,
  merge,
  removePath,
  toFieldSet,
  typeOf,
  type Comparison,
  type MapType,
} from './typed.js';

/** Who writes: the manager name and the subresource written through, if any. */
export interface Writer {
  manager: string;
  subresource?: 'status' | 'scale' | 'ephemeralcontainers';
}

interface Entry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  subresource: string;
  time?: string;
  set: FieldSet;
}

/** Upstream keeps at most this many Update entries; older ones merge into "ancient-changes". */
const MAX_UPDATE_MANAGERS = 10;
const ANCIENT_CHANGES = 'ancient-changes';

/** Metadata fields nobody owns (upstream's stripMeta). */
const STRIPPED_META = [
  'name',
  'namespace',
  'creationTimestamp',
  'selfLink',
  'uid',
  'clusterName',
  'generation',
  'managedFields',
  'resourceVersion',
];

/**
 * Paths present in the Go zero value of a kind (non-pointer structs and non-omitempty slices):
 * what a create is compared against, so that they never show as "." members.
 */
const POD_TEMPLATE = ['template', 'template.metadata', 'template.spec', 'template.spec.containers'];
const ZERO_PATHS: Readonly<Record<string, readonly string[]>> = {
  'core/Pod': ['spec', 'spec.containers', 'status'],
  'core/Service': ['spec', 'status', 'status.loadBalancer'],
  'core/Namespace': ['spec', 'status'],
  'core/Node': [
    'spec',
    'status',
    'status.daemonEndpoints',
    'status.daemonEndpoints.kubeletEndpoint',
    'status.nodeInfo',
  ],
  'core/PersistentVolumeClaim': ['spec', 'status'],
  'core/PersistentVolume': ['spec', 'status'],
  'core/ReplicationController': ['spec', 'status'],
  'apps/Deployment': ['spec', 'spec.strategy', ...POD_TEMPLATE.map((p) => `spec.${p}`), 'status'],
  'apps/ReplicaSet': ['spec', ...POD_TEMPLATE.map((p) => `spec.${p}`), 'status'],
  'apps/StatefulSet': [
    'spec',
    'spec.updateStrategy',
    ...POD_TEMPLATE.map((p) => `spec.${p}`),
    'status',
  ],
  'apps/DaemonSet': [
    'spec',
    'spec.updateStrategy',
    ...POD_TEMPLATE.map((p) => `spec.${p}`),
    'status',
  ],
  'batch/Job': ['spec', ...POD_TEMPLATE.map((p) => `spec.${p}`), 'status'],
  'batch/CronJob': [
    'spec',
    'spec.jobTemplate',
    'spec.jobTemplate.metadata',
    'spec.jobTemplate.spec',
    ...POD_TEMPLATE.map((p) => `spec.jobTemplate.spec.${p}`),
    'status',
  ],
};

function zeroObject(key: SchemaKey): JsonObject {
  const obj: JsonObject = { metadata: {} };
  for (const path of ZERO_PATHS[`${key.group === '' ? 'core' : key.group}/${key.kind}`] ?? []) {
    const parts = path.split('.');
    let node = obj;
    parts.forEach((p, i) => {
      if (!Object.hasOwn(node, p)) node[p] = p === 'containers' && i === parts.length - 1 ? [] : {};
      node = node[p] as JsonObject;
    });
  }
  return obj;
}

/** The metadata fields nobody manages, as a set. */
const STRIPPED_META_SET: ReadonlySet<string> = new Set(STRIPPED_META);

/** `obj`'s fields but those of `skip` (built up rather than deleted: deletes slow objects down). */
function without(obj: JsonObject, skip: (key: string) => boolean): JsonObject {
  const out: JsonObject = {};
  for (const k of Object.keys(obj)) if (!skip(k)) out[k] = obj[k];
  return out;
}

/** The part of an object whose fields are managed by writes through `subresource`. */
function managedPart(obj: unknown, subresource: string, hasStatus: boolean): JsonObject {
  if (!isJsonObject(obj)) return {};
  if (subresource === 'status') return obj.status === undefined ? {} : { status: obj.status };
  const out = without(
    obj,
    (k) => k === 'apiVersion' || k === 'kind' || (hasStatus && k === 'status'),
  );
  if (isJsonObject(obj.metadata)) {
    out.metadata = without(obj.metadata, (k) => STRIPPED_META_SET.has(k));
  }
  return out;
}

/** What changed in the managed part of an object (a create compares with the zero value). */
function compareManaged(
  live: KubeObject | undefined,
  next: KubeObject,
  subresource: string,
  ctx: FieldManagerContext,
): Comparison {
  return compare(
    managedPart(live ?? zeroObject(ctx.schemaKey), subresource, ctx.hasStatus),
    managedPart(next, subresource, ctx.hasStatus),
    typeOf(ctx.schemaKey),
  );
}

/**
 * The fields an object sets, as upstream's stripped sets: metadata left empty by the stripped
 * fields (name, namespace…) is not a field of its own.
 */
function ownedBy(obj: unknown, subresource: string, ctx: FieldManagerContext): FieldSet {
  const set = toFieldSet(managedPart(obj, subresource, ctx.hasStatus), typeOf(ctx.schemaKey));
  const meta = set.children.get('f:metadata');
  if (meta !== undefined && meta.set.children.size === 0) set.children.delete('f:metadata');
  return set;
}

function identity(e: {
  manager: string;
  operation: string;
  apiVersion: string;
  subresource: string;
}): string {
  return JSON.stringify([
    e.manager,
    e.operation,
    e.operation === 'Apply' ? '' : e.apiVersion,
    e.subresource,
  ]);
}

/** How conflicts name a manager (upstream's printManager). */
function printManager(e: Entry): string {
  let s = JSON.stringify(e.manager);
  if (e.subresource !== '') s += ` with subresource ${JSON.stringify(e.subresource)}`;
  if (e.operation === 'Update') s += ` using ${e.apiVersion}`;
  return s;
}

function decode(raw: unknown): Entry[] | undefined {
  if (!Array.isArray(raw)) return undefined;
  try {
    return raw.map((m: ManagedFieldsEntry) => {
      if (m.operation !== 'Apply' && m.operation !== 'Update') throw new Error('operation');
      return {
        manager: m.manager ?? '',
        operation: m.operation,
        apiVersion: m.apiVersion ?? '',
        subresource: m.subresource ?? '',
        ...(m.time !== undefined ? { time: m.time } : {}),
        set: FieldSet.fromFieldsV1(m.fieldsV1 ?? {}),
      };
    });
  } catch {
    return undefined;
  }
}

function encode(entries: Entry[]): ManagedFieldsEntry[] {
  const sorted = [...entries].sort((p, q) => {
    if (p.operation !== q.operation) return p.operation < q.operation ? -1 : 1;
    const pt = p.time === undefined ? 0 : Math.floor(Date.parse(p.time) / 1000);
    const qt = q.time === undefined ? 0 : Math.floor(Date.parse(q.time) / 1000);
    if (pt !== qt) return pt - qt;
    for (const k of ['manager', 'apiVersion', 'subresource'] as const) {
      if (p[k] !== q[k]) return p[k] < q[k] ? -1 : 1;
    }
    return 0;
  });
  return sorted.map((e) => {
    const out: ManagedFieldsEntry = {
      manager: e.manager,
      operation: e.operation,
      apiVersion: e.apiVersion,
    };
    if (e.time !== undefined) out.time = e.time;
    out.fieldsType = 'FieldsV1';
    out.fieldsV1 = e.set.toFieldsV1();
    if (e.subresource !== '') out.subresource = e.subresource;
    return out;
  });
}

/** Merges the oldest Update entries into "ancient-changes" beyond MAX_UPDATE_MANAGERS. */
function capUpdateManagers(entries: Entry[]): Entry[] {
  const updates = entries.filter((e) => e.operation === 'Update');
  if (updates.length <= MAX_UPDATE_MANAGERS) return entries;
  const byAge = [...updates].sort((a, b) => (a.time ?? '').localeCompare(b.time ?? ''));
  let ancient = entries.find((e) => e.operation === 'Update' && e.manager === ANCIENT_CHANGES);
  let rest = entries;
  let count = updates.length;
  for (const e of byAge) {
    if (count <= MAX_UPDATE_MANAGERS) break;
    if (e === ancient) continue;
    rest = rest.filter((x) => x !== e);
    if (ancient === undefined) {
      ancient = { ...e, manager: ANCIENT_CHANGES, subresource: '', set: e.set.clone() };
      rest = [...rest, ancient];
    } else {
      ancient.set = ancient.set.union(e.set);
      count--;
    }
  }
  return rest;
}

export interface FieldManagerContext {
  schemaKey: SchemaKey;
  /** The group/version of the resource ("apps/v1"), recorded in every entry. */
  apiVersion: string;
  /** Whether the resource has a status subresource (main writes then do not own status). */
  hasStatus: boolean;
  now: string;
}

/**
 * Records an Update by `writer` from `live` (undefined on create) to `next`, in place on
 * `next.metadata.managedFields`. The writer takes the fields it changed from everyone else.
 * managedFields sent in the request replace the live ones; an absent list keeps them.
 */
export function recordUpdate(
  live: KubeObject | undefined,
  next: KubeObject,
  writer: Writer,
  ctx: FieldManagerContext,
): void {
  const type = typeOf(ctx.schemaKey);
  const subresource = writer.subresource ?? '';
  const sent = next.metadata.managedFields;
  if (live === undefined && sent === undefined) {
    // A create: one entry, straight from the object (the same result as the general path).
    const fieldsV1 = createdFieldsV1(
      managedPart(zeroObject(ctx.schemaKey), subresource, ctx.hasStatus),
      managedPart(next, subresource, ctx.hasStatus),
      type,
    );
    if (fieldsV1 !== undefined) {
      const entry: ManagedFieldsEntry = {
        manager: writer.manager,
        operation: 'Update',
        apiVersion: ctx.apiVersion,
        time: ctx.now,
        fieldsType: 'FieldsV1',
        fieldsV1,
      };
      if (subresource !== '') entry.subresource = subresource;
      next.metadata.managedFields = [entry];
    }
    return;
  }
  let entries =
    (sent !== undefined ? decode(sent) : undefined) ?? decode(live?.metadata.managedFields) ?? [];
  const c = compareManaged(live, next, subresource, ctx);
  const changed = c.added.union(c.modified);
  if (!changed.empty() || !c.removed.empty()) {
    const self = {
      manager: writer.manager,
      operation: 'Update' as const,
      apiVersion: ctx.apiVersion,
      subresource,
    };
    const id = identity(self);
    let mine = entries.find((e) => identity(e) === id);
    if (mine === undefined) {
      mine = { ...self, set: new FieldSet() };
      entries = [...entries, mine];
    }
    for (const e of entries) {
      e.set = (e === mine ? e.set.union(changed) : e.set.difference(changed)).difference(c.removed);
    }
    mine.time = ctx.now;
    entries = capUpdateManagers(entries.filter((e) => !e.set.empty()));
  }
  if (entries.length === 0) delete next.metadata.managedFields;
  else next.metadata.managedFields = encode(entries);
}

/** 409 Conflict naming the fields other managers own, in upstream's words. */
function conflictError(conflicts: Array<{ entry: Entry; path: FieldPath }>): StatusError {
  const causes: StatusCause[] = conflicts.map(({ entry, path }) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${printManager(entry)}`,
    field: pathString(path),
  }));
  let message: string;
  const [only] = conflicts;
  if (conflicts.length === 1 && only !== undefined) {
    message = `Apply failed with 1 conflict: conflict with ${printManager(only.entry)}: ${pathString(only.path)}`;
  } else {
    const byManager = new Map<string, string[]>();
    for (const { entry, path } of conflicts) {
      const name = printManager(entry);
      byManager.set(name, [...(byManager.get(name) ?? []), pathString(path)]);
    }
    const lines: string[] = [];
    for (const name of [...byManager.keys()].sort()) {
      lines.push(`conflicts with ${name}:`);
      for (const p of byManager.get(name) ?? []) lines.push(`- ${p}`);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return StatusError.from(409, 'Conflict', message, { causes });
}

/**
 * Server-side apply of `config` by `writer` onto `live` (undefined when the object does not
 * exist): merges, removes what the manager applied before and no longer applies (unless someone
 * else owns it), checks conflicts with other managers (409 unless `force`, which takes the
 * fields over) and returns the new object with its managedFields.
 */
export function apply(
  live: KubeObject | undefined,
  config: KubeObject,
  writer: Writer,
  force: boolean,
  ctx: FieldManagerContext,
): KubeObject {
  const type: MapType = typeOf(ctx.schemaKey);
  const subresource = writer.subresource ?? '';
  let entries = decode(live?.metadata.managedFields) ?? [];
  if (live !== undefined && entries.length === 0) {
    // Objects written before anyone tracked fields: their fields belong to "before-first-apply".
    const set = ownedBy(live, '', ctx);
    if (!set.empty()) {
      entries = [
        {
          manager: 'before-first-apply',
          operation: 'Update',
          apiVersion: ctx.apiVersion,
          subresource: '',
          set,
        },
      ];
    }
  }
  const base: KubeObject = live ?? { metadata: {} };
  const self = {
    manager: writer.manager,
    operation: 'Apply' as const,
    apiVersion: ctx.apiVersion,
    subresource,
  };
  const id = identity(self);
  const previous = entries.find((e) => identity(e) === id);
  const applied = ownedBy(config, subresource, ctx);

  const next = merge(base, config, type) as KubeObject;
  if (previous !== undefined) {
    const owned = entries
      .filter((e) => e !== previous)
      .reduce((acc, e) => acc.union(e.set), applied);
    // Whatever the manager applied before and nobody owns now goes, whole subtrees at once: a
    // field left with no owned content is removed too (upstream makes named fields members).
    const removed: FieldPath[] = [];
    for (const p of previous.set.nodes()) {
      const [first] = p;
      if (p.length === 1 && first !== undefined && 'f' in first && first.f === 'metadata') continue;
      if (owned.hasPrefix(p)) continue;
      if (removed.some((r) => r.length < p.length && r.every((pe, i) => pe === p[i]))) continue;
      removed.push(p);
    }
    for (const p of removed) removePath(next, p, type);
  }

  const c = compareManaged(live, next, subresource, ctx);
  const changed = c.added.union(c.modified);
  const conflicts: Array<{ entry: Entry; path: FieldPath }> = [];
  for (const e of entries) {
    if (e === previous) continue;
    for (const path of e.set.intersection(changed).paths()) conflicts.push({ entry: e, path });
  }
  if (conflicts.length > 0 && !force) throw conflictError(conflicts);

  const mine: Entry = previous ?? { ...self, set: applied };
  if (previous === undefined) entries = [...entries, mine];
  for (const e of entries) {
    e.set = (e === mine ? applied : e.set.difference(changed)).difference(c.removed);
  }
  // An unchanged object with an unchanged set keeps its time, as upstream's no-op apply.
  if (
    previous === undefined ||
    !changed.empty() ||
    !c.removed.empty() ||
    !previous.set.equals(applied)
  ) {
    mine.time = ctx.now;
  }
  entries = entries.filter((e) => !e.set.empty() || e === mine);
  next.metadata = { ...next.metadata, managedFields: encode(entries) };
  return next;
}

/** Upstream's limit on manager names (validation.FieldManagerMaxLength). */
export const FIELD_MANAGER_MAX_LENGTH = 128;

/**
 * The manager of a request without fieldManager: the User-Agent up to its first '/', printable
 * characters only, cut at 128 bytes (upstream's prefixFromUserAgent): "kubectl" for kubectl.
 */
export function managerFromUserAgent(userAgent: string | undefined): string {
  let out = '';
  let bytes = 0;
  for (const ch of (userAgent ?? '').split('/', 1)[0] ?? '') {
    if (!/^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(ch)) continue;
    const n = Buffer.byteLength(ch);
    if (bytes + n > FIELD_MANAGER_MAX_LENGTH) break;
    out += ch;
    bytes += n;
  }
  return out;
}
