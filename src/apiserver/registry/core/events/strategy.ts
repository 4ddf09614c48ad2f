// Events (pkg/registry/core/event and pkg/apis/core/validation/events.go at v1.32): one strategy
// per API that serves them. Both validate the internal Event; writes through core/v1 get only the
// legacy rules (old clients must keep working), writes through events.k8s.io/v1 the strict ones.
// Field paths are the internal Event's (involvedObject, message, reportingController) whichever
// API the request came through, as upstream's.
import type { FieldError } from '../../../../api/status.js';
import type { KubeObject } from '../../../../api/types.js';
import {
  dns1123Subdomain,
  invalidValue,
  qualifiedName,
  required,
} from '../../../../api/validation.js';
import type { Strategy } from '../../strategy.js';
import {
  coreEventToEventsV1,
  coreToInternal,
  eventsV1EventToCore,
  eventsV1ToInternal,
  internalToCore,
  internalToEventsV1,
  replaceFields,
  type EventSource,
  type InternalEvent,
  type ObjectReference,
} from './conversion.js';

const REPORTING_INSTANCE_LENGTH_LIMIT = 128;
const ACTION_LENGTH_LIMIT = 128;
const REASON_LENGTH_LIMIT = 128;
const NOTE_LENGTH_LIMIT = 1024;

/** Go's len(): bytes of the UTF-8 encoding. */
function goLen(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** legacyValidateEvent: what every Event must satisfy, whichever API wrote it. */
function legacyValidate(ev: InternalEvent): FieldError[] {
  const errs: FieldError[] = [];
  const namespace = ev.metadata.namespace ?? '';
  const involvedNs = ev.involvedObject.namespace;
  const mismatch = (): FieldError =>
    invalidValue('involvedObject.namespace', involvedNs, 'does not match event.namespace');
  if (ev.eventTime === null) {
    // Old-style events: the event's namespace follows the object's ("" or default for
    // cluster-scoped objects, for compatibility with old clients).
    if (involvedNs === '') {
      if (namespace !== '' && namespace !== 'default') errs.push(mismatch());
    } else if (namespace !== involvedNs) {
      errs.push(mismatch());
    }
  } else {
    if (involvedNs === '' && namespace !== 'default' && namespace !== 'kube-system') {
      errs.push(mismatch());
    }
    if (ev.reportingController === '') errs.push(required('reportingController'));
    for (const msg of qualifiedName(ev.reportingController)) {
      errs.push(invalidValue('reportingController', ev.reportingController, msg));
    }
    if (ev.reportingInstance === '') errs.push(required('reportingInstance'));
    if (goLen(ev.reportingInstance) > REPORTING_INSTANCE_LENGTH_LIMIT) {
      errs.push(
        invalidValue(
          'reportingInstance',
          '',
          `can have at most ${REPORTING_INSTANCE_LENGTH_LIMIT} characters`,
        ),
      );
    }
    if (ev.action === '') errs.push(required('action'));
    if (goLen(ev.action) > ACTION_LENGTH_LIMIT) {
      errs.push(invalidValue('action', '', `can have at most ${ACTION_LENGTH_LIMIT} characters`));
    }
    if (ev.reason === '') errs.push(required('reason'));
    if (goLen(ev.reason) > REASON_LENGTH_LIMIT) {
      errs.push(invalidValue('reason', '', `can have at most ${REASON_LENGTH_LIMIT} characters`));
    }
    if (goLen(ev.message) > NOTE_LENGTH_LIMIT) {
      errs.push(invalidValue('message', '', `can have at most ${NOTE_LENGTH_LIMIT} characters`));
    }
  }
  for (const msg of dns1123Subdomain(namespace)) {
    errs.push(invalidValue('namespace', namespace, msg));
  }
  return errs;
}

/** validateV1EventSeries. */
function validateSeries(ev: InternalEvent): FieldError[] {
  const errs: FieldError[] = [];
  if (ev.series !== undefined) {
    if (ev.series.count < 2) errs.push(invalidValue('series.count', '', 'should be at least 2'));
    if (ev.series.lastObservedTime === null) errs.push(required('series.lastObservedTime'));
  }
  return errs;
}

/** The strict create rules of events.k8s.io/v1 (ValidateEventCreate past the legacy part). */
function strictCreate(ev: InternalEvent): FieldError[] {
  const errs = validateSeries(ev);
  if (ev.eventTime === null) errs.push(required('eventTime'));
  if (ev.type !== 'Normal' && ev.type !== 'Warning') {
    errs.push(invalidValue('type', '', `has invalid value: ${ev.type}`));
  }
  if (ev.firstTimestamp !== null) {
    errs.push(invalidValue('firstTimestamp', '', 'needs to be unset'));
  }
  if (ev.lastTimestamp !== null) errs.push(invalidValue('lastTimestamp', '', 'needs to be unset'));
  if (ev.count !== 0) errs.push(invalidValue('count', '', 'needs to be unset'));
  if (ev.source.component !== '' || ev.source.host !== '') {
    errs.push(invalidValue('source', '', 'needs to be unset'));
  }
  return errs;
}

// Immutable-field errors print the old Go value with %#v, or with String() for times.

const goQuote = (s: string): string => JSON.stringify(s);

function goReference(r: ObjectReference): string {
  return (
    `core.ObjectReference{Kind:${goQuote(r.kind)}, Namespace:${goQuote(r.namespace)}, ` +
    `Name:${goQuote(r.name)}, UID:${goQuote(r.uid)}, APIVersion:${goQuote(r.apiVersion)}, ` +
    `ResourceVersion:${goQuote(r.resourceVersion)}, FieldPath:${goQuote(r.fieldPath)}}`
  );
}

function goSource(s: EventSource): string {
  return `core.EventSource{Component:${goQuote(s.component)}, Host:${goQuote(s.host)}}`;
}

/** time.Time.String() of a wire time in UTC (zero: Go's year-1 instant). */
function goTime(t: string | null): string {
  if (t === null) return '0001-01-01 00:00:00 +0000 UTC';
  const ms = Date.parse(t);
  if (Number.isNaN(ms)) return t;
  const frac = /\.(\d+)/.exec(t)?.[1]?.replace(/0+$/, '') ?? '';
  const base = new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
  return `${base}${frac !== '' ? `.${frac}` : ''} +0000 UTC`;
}

function sameTime(a: string | null, b: string | null): boolean {
  return a === b || (a !== null && b !== null && Date.parse(a) === Date.parse(b));
}

function immutable(field: string, shown: string): FieldError {
  return {
    type: 'FieldValueInvalid',
    field,
    detail: `Invalid value: ${shown}: field is immutable`,
  };
}

/** ValidateEventUpdate past the legacy part, for updates through events.k8s.io/v1. */
function strictUpdate(ev: InternalEvent, old: InternalEvent): FieldError[] {
  const errs: FieldError[] = [];
  if (JSON.stringify(ev.series) !== JSON.stringify(old.series)) errs.push(...validateSeries(ev));
  const refEq = (a: ObjectReference | undefined, b: ObjectReference | undefined): boolean =>
    JSON.stringify(a) === JSON.stringify(b);
  const checks: Array<[string, boolean, string]> = [
    [
      'involvedObject',
      refEq(ev.involvedObject, old.involvedObject),
      goReference(ev.involvedObject),
    ],
    ['reason', ev.reason === old.reason, goQuote(ev.reason)],
    ['message', ev.message === old.message, goQuote(ev.message)],
    [
      'source',
      ev.source.component === old.source.component && ev.source.host === old.source.host,
      goSource(ev.source),
    ],
    ['firstTimestamp', sameTime(ev.firstTimestamp, old.firstTimestamp), goTime(ev.firstTimestamp)],
    ['lastTimestamp', sameTime(ev.lastTimestamp, old.lastTimestamp), goTime(ev.lastTimestamp)],
    ['count', ev.count === old.count, String(ev.count)],
    // Upstream checks reason twice.
    ['reason', ev.reason === old.reason, goQuote(ev.reason)],
    ['type', ev.type === old.type, goQuote(ev.type)],
    ['eventTime', sameTime(ev.eventTime, old.eventTime), goTime(ev.eventTime)],
    ['action', ev.action === old.action, goQuote(ev.action)],
    [
      'related',
      refEq(ev.related, old.related),
      ev.related === undefined ? '(*core.ObjectReference)(nil)' : `&${goReference(ev.related)}`,
    ],
    [
      'reportingController',
      ev.reportingController === old.reportingController,
      goQuote(ev.reportingController),
    ],
    [
      'reportingInstance',
      ev.reportingInstance === old.reportingInstance,
      goQuote(ev.reportingInstance),
    ],
  ];
  for (const [field, same, shown] of checks) if (!same) errs.push(immutable(field, shown));
  return errs;
}

// Every write through either API reads the object as the internal Event without copying its
// metadata: the object is replaced by what is built from it, or only read (validation).

/** core/v1 Events: stored as they are served, validated by the legacy rules only. */
export const coreEventStrategy: Strategy = {
  allowCreateOnUpdate: true,
  // Normalised after field management saw the client's fields, as Go's decoding would.
  prepareForCreate: (obj) => replaceFields(obj, internalToCore(coreToInternal(obj, true))),
  prepareForUpdate: (obj) => replaceFields(obj, internalToCore(coreToInternal(obj, true))),
  validate: (obj) => legacyValidate(coreToInternal(obj, true)),
};

/** events.k8s.io/v1 Events: a view of the core Events in storage, with the strict rules. */
export const eventsV1EventStrategy: Strategy = {
  allowCreateOnUpdate: true,
  prepareForCreate: (obj) => replaceFields(obj, internalToEventsV1(eventsV1ToInternal(obj, true))),
  prepareForUpdate: (obj) => replaceFields(obj, internalToEventsV1(eventsV1ToInternal(obj, true))),
  validate: (obj) => legacyValidate(eventsV1ToInternal(obj, true)),
  validateCreate: (obj) => strictCreate(eventsV1ToInternal(obj, true)),
  validateUpdate: (obj: KubeObject, old: KubeObject) =>
    strictUpdate(eventsV1ToInternal(obj, true), eventsV1ToInternal(old, true)),
  conversion: { toStorage: eventsV1EventToCore, fromStorage: coreEventToEventsV1 },
};
