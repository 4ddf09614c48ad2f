import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../../src/api/types.js';
import { toTable } from '../../../src/apiserver/tables/table.js';

const now = new Date('2024-06-01T12:00:00Z');
const ago = (ms: number): string => new Date(now.getTime() - ms).toISOString();
const s = 1000;
const m = 60 * s;
const h = 60 * m;

function pod(name: string, spec: object, status: object, meta: object = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', creationTimestamp: ago(10 * m), ...meta },
    spec,
    status,
  };
}

function cells(p: KubeObject): unknown[] {
  const table = toTable({ group: '', resource: 'pods' }, [p], { now, includeObject: 'None' });
  const row = table.rows[0];
  assert.ok(row);
  return row.cells;
}

const running = { running: { startedAt: ago(h) } };

test('pod columns are the 1.32 ones, wide columns at priority 1', () => {
  const table = toTable({ group: '', resource: 'pods' }, [], { now, includeObject: 'None' });
  assert.deepEqual(
    table.columnDefinitions.map((c) => [c.name, c.type, c.format, c.priority]),
    [
      ['Name', 'string', 'name', 0],
      ['Ready', 'string', '', 0],
      ['Status', 'string', '', 0],
      ['Restarts', 'string', '', 0],
      ['Age', 'string', '', 0],
      ['IP', 'string', '', 1],
      ['Node', 'string', '', 1],
      ['Nominated Node', 'string', '', 1],
      ['Readiness Gates', 'string', '', 1],
    ],
  );
});

test('running pod: ready count, restarts summed with the latest restart age', () => {
  const p = pod(
    'web',
    { nodeName: 'kbox-node', containers: [{ name: 'app' }, { name: 'sidecar' }] },
    {
      phase: 'Running',
      podIP: '10.244.0.5',
      podIPs: [{ ip: '10.244.0.5' }],
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: [
        {
          name: 'app',
          ready: true,
          restartCount: 3,
          state: running,
          lastState: { terminated: { exitCode: 1, finishedAt: ago(5 * m) } },
        },
        {
          name: 'sidecar',
          ready: true,
          restartCount: 2,
          state: running,
          lastState: { terminated: { exitCode: 1, finishedAt: ago(h) } },
        },
      ],
    },
    { creationTimestamp: ago(51 * h) },
  );
  assert.deepEqual(cells(p), [
    'web',
    '2/2',
    'Running',
    '5 (5m ago)',
    '2d3h',
    '10.244.0.5',
    'kbox-node',
    '<none>',
    '<none>',
  ]);
});

test('CrashLoopBackOff comes from the waiting reason', () => {
  const p = pod(
    'crash',
    { containers: [{ name: 'app' }] },
    {
      phase: 'Running',
      containerStatuses: [
        {
          name: 'app',
          ready: false,
          restartCount: 4,
          state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s' } },
          lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(30 * s) } },
        },
      ],
    },
  );
  assert.deepEqual(cells(p).slice(0, 5), [
    'crash',
    '0/1',
    'CrashLoopBackOff',
    '4 (30s ago)',
    '10m',
  ]);
});

test('init containers: Init:N/M, Init:<reason>, and PodInitializing is not a reason', () => {
  const spec = { initContainers: [{ name: 'init' }], containers: [{ name: 'app' }] };
  const pending = (initState: object): KubeObject =>
    pod('init', spec, {
      phase: 'Pending',
      conditions: [{ type: 'Initialized', status: 'False' }],
      initContainerStatuses: [{ name: 'init', ready: false, restartCount: 0, state: initState }],
      containerStatuses: [
        {
          name: 'app',
          ready: false,
          restartCount: 0,
          state: { waiting: { reason: 'PodInitializing' } },
        },
      ],
    });
  assert.deepEqual(cells(pending(running)).slice(0, 4), ['init', '0/1', 'Init:0/1', '0']);
  assert.equal(cells(pending({ waiting: { reason: 'PodInitializing' } }))[2], 'Init:0/1');
  assert.equal(
    cells(pending({ waiting: { reason: 'ImagePullBackOff' } }))[2],
    'Init:ImagePullBackOff',
  );
  assert.equal(cells(pending({ terminated: { exitCode: 1, reason: 'Error' } }))[2], 'Init:Error');
  assert.equal(cells(pending({ terminated: { exitCode: 3 } }))[2], 'Init:ExitCode:3');
  // A finished init container lets the pod go on to its app containers' reasons.
  assert.equal(cells(pending({ terminated: { exitCode: 0 } }))[2], 'PodInitializing');
  assert.equal(cells(pending({ terminated: { exitCode: 137, signal: 9 } }))[2], 'Init:Signal:9');
});

test('second of two init containers running reads Init:1/2', () => {
  const p = pod(
    'two',
    { initContainers: [{ name: 'a' }, { name: 'b' }], containers: [{ name: 'app' }] },
    {
      phase: 'Pending',
      initContainerStatuses: [
        { name: 'a', restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
        { name: 'b', restartCount: 1, state: running },
      ],
    },
  );
  assert.deepEqual(cells(p).slice(1, 4), ['0/1', 'Init:1/2', '1']);
});

test('sidecar init containers count as containers and their restarts carry over', () => {
  const p = pod(
    'mesh',
    { initContainers: [{ name: 'proxy', restartPolicy: 'Always' }], containers: [{ name: 'app' }] },
    {
      phase: 'Running',
      conditions: [{ type: 'Initialized', status: 'True' }],
      initContainerStatuses: [
        {
          name: 'proxy',
          started: true,
          ready: true,
          restartCount: 1,
          state: running,
          lastState: { terminated: { exitCode: 1, finishedAt: ago(2 * h) } },
        },
      ],
      containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: running }],
    },
  );
  assert.deepEqual(cells(p).slice(1, 4), ['2/2', 'Running', '1 (120m ago)']);
});

test('Completed pod carries the Completed row condition', () => {
  const p = pod(
    'done',
    { containers: [{ name: 'app' }] },
    {
      phase: 'Succeeded',
      containerStatuses: [
        {
          name: 'app',
          ready: false,
          restartCount: 0,
          state: { terminated: { exitCode: 0, reason: 'Completed', finishedAt: ago(m) } },
        },
      ],
    },
  );
  const table = toTable({ group: '', resource: 'pods' }, [p], { now, includeObject: 'None' });
  assert.deepEqual(table.rows[0]?.cells.slice(0, 5), ['done', '0/1', 'Completed', '0', '10m']);
  assert.deepEqual(table.rows[0]?.conditions, [
    {
      type: 'Completed',
      status: 'True',
      reason: 'Succeeded',
      message: 'The pod has completed successfully.',
    },
  ]);
});

test('terminated container without a reason prints Error/ExitCode/Signal forms', () => {
  const failed = (terminated: object): KubeObject =>
    pod(
      'f',
      { containers: [{ name: 'app' }] },
      {
        phase: 'Failed',
        containerStatuses: [{ name: 'app', restartCount: 0, state: { terminated } }],
      },
    );
  assert.equal(cells(failed({ exitCode: 1, reason: 'Error' }))[2], 'Error');
  assert.equal(cells(failed({ exitCode: 137 }))[2], 'ExitCode:137');
  assert.equal(cells(failed({ exitCode: 0, signal: 15 }))[2], 'Signal:15');
});

test('a Completed container next to a running one reads Running or NotReady', () => {
  const mixed = (ready: boolean): KubeObject =>
    pod(
      'mixed',
      { containers: [{ name: 'job' }, { name: 'server' }] },
      {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
        containerStatuses: [
          {
            name: 'job',
            restartCount: 0,
            state: { terminated: { exitCode: 0, reason: 'Completed' } },
          },
          { name: 'server', ready: true, restartCount: 0, state: running },
        ],
      },
    );
  assert.deepEqual(cells(mixed(true)).slice(1, 3), ['1/2', 'Running']);
  assert.equal(cells(mixed(false))[2], 'NotReady');
});

test('deletion: Terminating unless the phase is terminal; NodeLost reads Unknown', () => {
  const spec = { containers: [{ name: 'app' }] };
  const st = {
    phase: 'Running',
    containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: running }],
  };
  const deleting = { deletionTimestamp: ago(5 * s) };
  assert.deepEqual(cells(pod('t', spec, st, deleting)).slice(1, 3), ['1/1', 'Terminating']);
  assert.equal(cells(pod('t', spec, { ...st, reason: 'NodeLost' }, deleting))[2], 'Unknown');
  assert.equal(cells(pod('t', spec, { phase: 'Succeeded' }, deleting))[2], 'Succeeded');
});

test('pending pod: SchedulingGated, readiness gates and nominated node', () => {
  const p = pod(
    'gated',
    {
      containers: [{ name: 'app' }],
      readinessGates: [{ conditionType: 'example.com/lb' }, { conditionType: 'x/y' }],
    },
    {
      phase: 'Pending',
      nominatedNodeName: 'node-2',
      conditions: [
        { type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' },
        { type: 'example.com/lb', status: 'True' },
      ],
    },
  );
  assert.deepEqual(cells(p), [
    'gated',
    '0/1',
    'SchedulingGated',
    '0',
    '10m',
    '<none>',
    '<none>',
    'node-2',
    '1/2',
  ]);
});
