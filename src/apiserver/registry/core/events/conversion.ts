// Events are stored once, as core/v1 Events, and served by two APIs: core/v1 and events.k8s.io/v1.
// Both shapes convert through the internal Event (upstream's pkg/apis/core.Event), as
// pkg/apis/events/v1/conversion.go does: regarding ↔ involvedObject, note ↔ message,
// deprecatedSource ↔ source, deprecated{First,Last}Timestamp ↔ {first,last}Timestamp,
// deprecatedCount ↔ count, reportingController ↔ reportingComponent (core's JSON name); the rest
// keeps its name. Output is what Go's encoding/json writes for the typed struct: struct-valued
// fields always appear ({} when empty), zero times as null, omitempty scalars omitted when zero,
// and fields neither type knows are dropped.
import type { KubeObject, ObjectMeta } from '../../../../api/types.js';
import { int, optRec, rec, str } from '../../../tables/fields.js';

/** core.ObjectReference: every field a string, all omitempty on the wire. */
export interface ObjectReference {
  kind: string;
  namespace: string;
  name: string;
  uid: string;
  apiVersion: string;
  resourceVersion: string;
  fieldPath: string;
}

export interface EventSource {
  component: string;
  host: string;
}

export interface EventSeries {
  count: number;
  /** RFC 3339 with microseconds; null is the zero time. */
  lastObservedTime: string | null;
}

/** The internal Event both APIs convert to and from; times are wire strings or null (zero). */
export interface InternalEvent {
  metadata: ObjectMeta;
  involvedObject: ObjectReference;
  reason: string;
  message: string;
  source: EventSource;
  firstTimestamp: string | null;
  lastTimestamp: string | null;
  count: number;
  type: string;
  eventTime: string | null;
  series: EventSeries | undefined;
  action: string;
  related: ObjectReference | undefined;
  reportingController: string;
  reportingInstance: string;
}

export const CORE_API_VERSION = 'v1';
export const EVENTS_API_VERSION = 'events.k8s.io/v1';

const REFERENCE_FIELDS = [
  'kind',
  'namespace',
  'name',
  'uid',
  'apiVersion',
  'resourceVersion',
  'fieldPath',
] as const;

function readReference(v: unknown): ObjectReference {
  const r = rec(v);
  return {
    kind: str(r['kind']),
    namespace: str(r['namespace']),
    name: str(r['name']),
    uid: str(r['uid']),
    apiVersion: str(r['apiVersion']),
    resourceVersion: str(r['resourceVersion']),
    fieldPath: str(r['fieldPath']),
  };
}

function writeReference(ref: ObjectReference): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of REFERENCE_FIELDS) if (ref[f] !== '') out[f] = ref[f];
  return out;
}

function readSource(v: unknown): EventSource {
  const s = rec(v);
  return { component: str(s['component']), host: str(s['host']) };
}

function writeSource(s: EventSource): Record<string, string> {
  return {
    ...(s.component !== '' ? { component: s.component } : {}),
    ...(s.host !== '' ? { host: s.host } : {}),
  };
}

/** A metav1.Time / MicroTime: a non-empty string, else the zero time. */
function time(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

function readSeries(v: unknown): EventSeries | undefined {
  const s = optRec(v);
  return s === undefined
    ? undefined
    : { count: int(s['count']), lastObservedTime: time(s['lastObservedTime']) };
}

function omitEmpty(key: string, value: string | number): Record<string, string | number> {
  return value === '' || value === 0 ? {} : { [key]: value };
}

/** `obj`'s metadata: a deep copy, or the object itself when the caller is replacing `obj`. */
function meta(obj: KubeObject, copy: boolean): ObjectMeta {
  const m = rec(obj.metadata) as ObjectMeta;
  return copy ? structuredClone(m) : m;
}

/** Where each API keeps the internal fields whose JSON names differ between the two. */
interface WireNames {
  involvedObject: string;
  message: string;
  source: string;
  firstTimestamp: string;
  lastTimestamp: string;
  count: string;
  reportingController: string;
}

const CORE_NAMES: WireNames = {
  involvedObject: 'involvedObject',
  message: 'message',
  source: 'source',
  firstTimestamp: 'firstTimestamp',
  lastTimestamp: 'lastTimestamp',
  count: 'count',
  reportingController: 'reportingComponent',
};

const EVENTS_V1_NAMES: WireNames = {
  involvedObject: 'regarding',
  message: 'note',
  source: 'deprecatedSource',
  firstTimestamp: 'deprecatedFirstTimestamp',
  lastTimestamp: 'deprecatedLastTimestamp',
  count: 'deprecatedCount',
  reportingController: 'reportingController',
};

function toInternal(obj: KubeObject, n: WireNames, copy: boolean): InternalEvent {
  return {
    metadata: meta(obj, copy),
    involvedObject: readReference(obj[n.involvedObject]),
    reason: str(obj['reason']),
    message: str(obj[n.message]),
    source: readSource(obj[n.source]),
    firstTimestamp: time(obj[n.firstTimestamp]),
    lastTimestamp: time(obj[n.lastTimestamp]),
    count: int(obj[n.count]),
    type: str(obj['type']),
    eventTime: time(obj['eventTime']),
    series: readSeries(obj['series']),
    action: str(obj['action']),
    related: optRec(obj['related']) === undefined ? undefined : readReference(obj['related']),
    reportingController: str(obj[n.reportingController]),
    reportingInstance: str(obj['reportingInstance']),
  };
}

/**
 * A core/v1 Event read as the internal one (Convert_v1_Event_To_core_Event of core/v1).
 * `shareMetadata`: the result keeps `obj.metadata` itself rather than a copy, for callers that
 * only read the result or replace `obj` by what they build from it (the write path).
 */
export function coreToInternal(obj: KubeObject, shareMetadata = false): InternalEvent {
  return toInternal(obj, CORE_NAMES, !shareMetadata);
}

/** An events.k8s.io/v1 Event read as the internal one (events/v1 Convert_v1_Event_To_core_Event). */
export function eventsV1ToInternal(obj: KubeObject, shareMetadata = false): InternalEvent {
  return toInternal(obj, EVENTS_V1_NAMES, !shareMetadata);
}

/** The core/v1 Event as kube-apiserver serialises it (field order of the Go struct). */
export function internalToCore(ev: InternalEvent): KubeObject {
  return {
    kind: 'Event',
    apiVersion: CORE_API_VERSION,
    metadata: ev.metadata,
    involvedObject: writeReference(ev.involvedObject),
    ...omitEmpty('reason', ev.reason),
    ...omitEmpty('message', ev.message),
    source: writeSource(ev.source),
    firstTimestamp: ev.firstTimestamp,
    lastTimestamp: ev.lastTimestamp,
    ...omitEmpty('count', ev.count),
    ...omitEmpty('type', ev.type),
    eventTime: ev.eventTime,
    // core/v1 EventSeries: count and lastObservedTime are both omitempty.
    ...(ev.series !== undefined
      ? {
          series: {
            ...omitEmpty('count', ev.series.count),
            lastObservedTime: ev.series.lastObservedTime,
          },
        }
      : {}),
    ...omitEmpty('action', ev.action),
    ...(ev.related !== undefined ? { related: writeReference(ev.related) } : {}),
    reportingComponent: ev.reportingController,
    reportingInstance: ev.reportingInstance,
  };
}

/** The events.k8s.io/v1 Event as kube-apiserver serialises it (Convert_core_Event_To_v1_Event). */
export function internalToEventsV1(ev: InternalEvent): KubeObject {
  return {
    kind: 'Event',
    apiVersion: EVENTS_API_VERSION,
    metadata: ev.metadata,
    eventTime: ev.eventTime,
    // events.k8s.io/v1 EventSeries: both fields are required, so both always appear.
    ...(ev.series !== undefined
      ? { series: { count: ev.series.count, lastObservedTime: ev.series.lastObservedTime } }
      : {}),
    ...omitEmpty('reportingController', ev.reportingController),
    ...omitEmpty('reportingInstance', ev.reportingInstance),
    ...omitEmpty('action', ev.action),
    ...omitEmpty('reason', ev.reason),
    regarding: writeReference(ev.involvedObject),
    ...(ev.related !== undefined ? { related: writeReference(ev.related) } : {}),
    ...omitEmpty('note', ev.message),
    ...omitEmpty('type', ev.type),
    deprecatedSource: writeSource(ev.source),
    deprecatedFirstTimestamp: ev.firstTimestamp,
    deprecatedLastTimestamp: ev.lastTimestamp,
    ...omitEmpty('deprecatedCount', ev.count),
  };
}

/** Storage (core/v1) → events.k8s.io/v1. */
export function coreEventToEventsV1(obj: KubeObject): KubeObject {
  return internalToEventsV1(coreToInternal(obj));
}

/** events.k8s.io/v1 → storage (core/v1). */
export function eventsV1EventToCore(obj: KubeObject): KubeObject {
  return internalToCore(eventsV1ToInternal(obj));
}

/** Replaces every field of `obj` by those of `next`, for hooks that must change obj in place. */
export function replaceFields(obj: KubeObject, next: KubeObject): void {
  for (const k of Object.keys(obj)) delete obj[k];
  Object.assign(obj, next);
}
