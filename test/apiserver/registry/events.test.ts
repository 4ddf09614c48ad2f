// Event conversion between core/v1 and events.k8s.io/v1, and each API's validation rules.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../../src/api/types.js';
import {
  coreEventToEventsV1,
  eventsV1EventToCore,
} from '../../../src/apiserver/registry/core/events/conversion.js';
import {
  coreEventStrategy,
  eventsV1EventStrategy,
} from '../../../src/apiserver/registry/core/events/strategy.js';

const META = { name: 'web.1', namespace: 'default', uid: 'u-1', resourceVersion: '42' };
const POD = {
  kind: 'Pod',
  namespace: 'default',
  name: 'web',
  uid: 'p-1',
  apiVersion: 'v1',
  resourceVersion: '7',
  fieldPath: 'spec.containers{web}',
};
const NODE = { kind: 'Node', name: 'n1', uid: 'n-1', apiVersion: 'v1' };

/** A core Event with every field set, as kube-apiserver serialises it. */
const FULL_CORE: KubeObject = {
  kind: 'Event',
  apiVersion: 'v1',
  metadata: META,
  involvedObject: POD,
  reason: 'Started',
  message: 'Started container web',
  source: { component: 'kubelet', host: 'n1' },
  firstTimestamp: '2026-01-02T03:04:05Z',
  lastTimestamp: '2026-01-02T03:05:05Z',
  count: 3,
  type: 'Normal',
  eventTime: '2026-01-02T03:04:05.123456Z',
  series: { count: 2, lastObservedTime: '2026-01-02T03:06:00.000001Z' },
  action: 'Starting',
  related: NODE,
  reportingComponent: 'kubelet',
  reportingInstance: 'n1',
};

/** The same Event through events.k8s.io/v1. */
const FULL_V1: KubeObject = {
  kind: 'Event',
  apiVersion: 'events.k8s.io/v1',
  metadata: META,
  eventTime: '2026-01-02T03:04:05.123456Z',
  series: { count: 2, lastObservedTime: '2026-01-02T03:06:00.000001Z' },
  reportingController: 'kubelet',
  reportingInstance: 'n1',
  action: 'Starting',
  reason: 'Started',
  regarding: POD,
  related: NODE,
  note: 'Started container web',
  type: 'Normal',
  deprecatedSource: { component: 'kubelet', host: 'n1' },
  deprecatedFirstTimestamp: '2026-01-02T03:04:05Z',
  deprecatedLastTimestamp: '2026-01-02T03:05:05Z',
  deprecatedCount: 3,
};

test('core → events.k8s.io maps every field and keeps metadata (uid, resourceVersion)', () => {
  const v1 = coreEventToEventsV1(FULL_CORE);
  assert.deepEqual(v1, FULL_V1);
  // Go struct order: the wire bytes match kube-apiserver's.
  assert.equal(JSON.stringify(v1), JSON.stringify(FULL_V1));
});

test('events.k8s.io → core maps every field back', () => {
  const core = eventsV1EventToCore(FULL_V1);
  assert.deepEqual(core, FULL_CORE);
  assert.equal(JSON.stringify(core), JSON.stringify(FULL_CORE));
});

test('round trips are lossless both ways', () => {
  assert.deepEqual(eventsV1EventToCore(coreEventToEventsV1(FULL_CORE)), FULL_CORE);
  assert.deepEqual(coreEventToEventsV1(eventsV1EventToCore(FULL_V1)), FULL_V1);
});

const validEventsV1 = (): KubeObject => ({
  apiVersion: 'events.k8s.io/v1',
  kind: 'Event',
  metadata: { name: 'e', namespace: 'default' },
  eventTime: '2026-01-02T03:04:05.000000Z',
  reportingController: 'example.com/ctl',
  reportingInstance: 'ctl-1',
  action: 'Sync',
  reason: 'Synced',
  regarding: { kind: 'Pod', name: 'web', namespace: 'default' },
  type: 'Normal',
});

test('zero values serialise as Go does: structs always, times as null, omitempty dropped', () => {
  const legacy: KubeObject = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'x', namespace: 'default' },
    involvedObject: { kind: 'Pod', name: 'web', namespace: 'default' },
    reason: 'Pulled',
    message: 'pulled',
    firstTimestamp: '2026-01-02T03:04:05Z',
    lastTimestamp: '2026-01-02T03:04:05Z',
    count: 1,
    type: 'Normal',
    unknownField: 'dropped',
  };
  assert.deepEqual(coreEventToEventsV1(legacy), {
    kind: 'Event',
    apiVersion: 'events.k8s.io/v1',
    metadata: { name: 'x', namespace: 'default' },
    eventTime: null,
    reason: 'Pulled',
    regarding: { kind: 'Pod', name: 'web', namespace: 'default' },
    note: 'pulled',
    type: 'Normal',
    deprecatedSource: {},
    deprecatedFirstTimestamp: '2026-01-02T03:04:05Z',
    deprecatedLastTimestamp: '2026-01-02T03:04:05Z',
    deprecatedCount: 1,
  });
  const modern: KubeObject = {
    ...validEventsV1(),
    metadata: { name: 'y', namespace: 'default' },
    series: { count: 0 },
  };
  assert.deepEqual(eventsV1EventToCore(modern), {
    kind: 'Event',
    apiVersion: 'v1',
    metadata: { name: 'y', namespace: 'default' },
    involvedObject: { kind: 'Pod', name: 'web', namespace: 'default' },
    reason: 'Synced',
    source: {},
    firstTimestamp: null,
    lastTimestamp: null,
    type: 'Normal',
    eventTime: '2026-01-02T03:04:05.000000Z',
    series: { lastObservedTime: null },
    action: 'Sync',
    reportingComponent: 'example.com/ctl',
    reportingInstance: 'ctl-1',
  });
});

function createErrors(strategy: typeof coreEventStrategy, obj: KubeObject): string[] {
  return [...(strategy.validate?.(obj) ?? []), ...(strategy.validateCreate?.(obj) ?? [])].map(
    (e) => `${e.field}: ${e.detail}`,
  );
}

test('events.k8s.io creates need reportingController, reportingInstance, action and eventTime', () => {
  assert.deepEqual(createErrors(eventsV1EventStrategy, validEventsV1()), []);
  const noController = validEventsV1();
  delete noController['reportingController'];
  assert.deepEqual(createErrors(eventsV1EventStrategy, noController), [
    'reportingController: Required value',
    'reportingController: Invalid value: "": name part must be non-empty',
    `reportingController: Invalid value: "": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
  ]);
  const bare: KubeObject = {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name: 'e', namespace: 'default' },
    regarding: { kind: 'Pod', name: 'web', namespace: 'default' },
    deprecatedCount: 2,
    deprecatedSource: { component: 'me' },
    deprecatedFirstTimestamp: '2026-01-02T03:04:05Z',
    type: 'Odd',
  };
  // Without eventTime the legacy rules ask nothing more; the strict ones do.
  assert.deepEqual(createErrors(eventsV1EventStrategy, bare), [
    'eventTime: Required value',
    'type: Invalid value: "": has invalid value: Odd',
    'firstTimestamp: Invalid value: "": needs to be unset',
    'count: Invalid value: "": needs to be unset',
    'source: Invalid value: "": needs to be unset',
  ]);
  const series = { ...validEventsV1(), series: { count: 1 } };
  assert.deepEqual(createErrors(eventsV1EventStrategy, series), [
    'series.count: Invalid value: "": should be at least 2',
    'series.lastObservedTime: Required value',
  ]);
});

test('core creates get only the legacy rules', () => {
  const legacy: KubeObject = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'e', namespace: 'default' },
    involvedObject: { kind: 'Pod', name: 'web', namespace: 'other' },
    count: 4,
    type: 'Odd',
  };
  assert.deepEqual(createErrors(coreEventStrategy, legacy), [
    'involvedObject.namespace: Invalid value: "other": does not match event.namespace',
  ]);
  // With an eventTime, even core writes need the reporting fields; a node's event lives in
  // default or kube-system.
  const modern: KubeObject = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'e', namespace: 'apps' },
    involvedObject: { kind: 'Node', name: 'n1' },
    eventTime: '2026-01-02T03:04:05.000000Z',
    reportingComponent: 'kubelet',
    reportingInstance: 'n1',
    reason: 'R',
    message: 'x'.repeat(1025),
  };
  assert.deepEqual(createErrors(coreEventStrategy, modern), [
    'involvedObject.namespace: Invalid value: "": does not match event.namespace',
    'action: Required value',
    'message: Invalid value: "": can have at most 1024 characters',
  ]);
});

test('events.k8s.io updates may not change what the event says', () => {
  const old = validEventsV1();
  const next = { ...validEventsV1(), note: 'changed', reportingInstance: 'ctl-2' };
  assert.deepEqual(
    (eventsV1EventStrategy.validateUpdate?.(next, old) ?? []).map((e) => `${e.field}: ${e.detail}`),
    [
      'message: Invalid value: "changed": field is immutable',
      'reportingInstance: Invalid value: "ctl-2": field is immutable',
    ],
  );
  const moved = {
    ...validEventsV1(),
    regarding: { kind: 'Pod', name: 'db', namespace: 'default' },
    eventTime: '2026-01-02T03:04:06.5Z',
  };
  assert.deepEqual(
    (eventsV1EventStrategy.validateUpdate?.(moved, old) ?? []).map(
      (e) => `${e.field}: ${e.detail}`,
    ),
    [
      'involvedObject: Invalid value: core.ObjectReference{Kind:"Pod", Namespace:"default", Name:"db", UID:"", APIVersion:"", ResourceVersion:"", FieldPath:""}: field is immutable',
      'eventTime: Invalid value: 2026-01-02 03:04:06.5 +0000 UTC: field is immutable',
    ],
  );
  // A series update (what client-go's recorder sends) is allowed.
  const counted = {
    ...validEventsV1(),
    series: { count: 2, lastObservedTime: '2026-01-02T03:05:00.000000Z' },
  };
  assert.deepEqual(eventsV1EventStrategy.validateUpdate?.(counted, old), []);
});
