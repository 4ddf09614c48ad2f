import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../../src/api/types.js';
import { metricsPrinter } from '../../../src/apiserver/tables/metrics.js';
import {
  SCALE_RESOURCE,
  tablePrinterFor,
  toObjectTable,
  toTable,
  toTableWith,
  toWatchEventTable,
  type ResourceRef,
} from '../../../src/apiserver/tables/table.js';

const now = new Date('2024-06-01T12:00:00Z');
const ago = (ms: number): string => new Date(now.getTime() - ms).toISOString();
const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

function obj(name: string, fields: object, meta: object = {}): KubeObject {
  return { metadata: { name, creationTimestamp: ago(3 * d), ...meta }, ...fields };
}

function row(resource: ResourceRef, o: KubeObject): unknown[] {
  const table = toTable(resource, [o], { now, includeObject: 'None' });
  assert.equal(table.rows.length, 1);
  const cells = table.rows[0]?.cells ?? [];
  assert.equal(cells.length, table.columnDefinitions.length, 'one cell per column');
  return cells;
}

function columnNames(resource: ResourceRef): string[] {
  return tablePrinterFor(resource).columns.map((c) => (c.priority > 0 ? `(${c.name})` : c.name));
}

const core = (resource: string): ResourceRef => ({ group: '', resource });
const apps = (resource: string): ResourceRef => ({ group: 'apps', resource });
const batch = (resource: string): ResourceRef => ({ group: 'batch', resource });

test('default convertor: Name and Created At (type date) for resources without a printer', () => {
  const widgets = { group: 'example.com', resource: 'widgets' };
  const table = toTable(
    widgets,
    [
      obj('w1', {}, { creationTimestamp: '2024-05-01T10:00:00Z' }),
      obj('w2', {}, { creationTimestamp: undefined }),
    ],
    { now, includeObject: 'None', listMeta: { resourceVersion: '42', continue: '' } },
  );
  assert.deepEqual(
    table.columnDefinitions.map((c) => [c.name, c.type, c.format, c.priority]),
    [
      ['Name', 'string', 'name', 0],
      ['Created At', 'date', '', 0],
    ],
  );
  assert.match(table.columnDefinitions[1]?.description ?? '', /^CreationTimestamp is a timestamp/);
  assert.deepEqual(
    table.rows.map((r) => r.cells),
    [
      ['w1', '2024-05-01T10:00:00Z'],
      ['w2', '0001-01-01T00:00:00Z'],
    ],
  );
  assert.deepEqual(table.metadata, { resourceVersion: '42' });
  assert.equal(table.kind, 'Table');
  assert.equal(table.apiVersion, 'meta.k8s.io/v1');
});

test('includeObject: Metadata embeds PartialObjectMetadata, Object the object, None nothing', () => {
  const cm = obj(
    'c',
    { apiVersion: 'v1', kind: 'ConfigMap', data: { a: '1' } },
    { resourceVersion: '7', namespace: 'ns' },
  );
  const ref = core('configmaps');
  const meta = toTable(ref, [cm], { now, includeObject: 'Metadata' }).rows[0]?.object;
  assert.deepEqual(meta, {
    kind: 'PartialObjectMetadata',
    apiVersion: 'meta.k8s.io/v1',
    metadata: cm.metadata,
  });
  assert.equal(toTable(ref, [cm], { now, includeObject: 'Object' }).rows[0]?.object, cm);
  assert.ok(!('object' in (toTable(ref, [cm], { now, includeObject: 'None' }).rows[0] ?? {})));
  const beta = toTable(ref, [cm], { now, includeObject: 'Metadata', version: 'v1beta1' });
  assert.equal(beta.apiVersion, 'meta.k8s.io/v1beta1');
  assert.equal((beta.rows[0]?.object as { apiVersion: string }).apiVersion, 'meta.k8s.io/v1beta1');
});

test('single-object and watch-event tables take the resourceVersion of the object', () => {
  const cm = obj('c', { data: {} }, { resourceVersion: '9' });
  const single = toObjectTable(core('configmaps'), cm, { now, includeObject: 'None' });
  assert.deepEqual(single.metadata, { resourceVersion: '9' });
  const first = toWatchEventTable(core('configmaps'), cm, { now, includeObject: 'Metadata' });
  assert.equal(first.columnDefinitions.length, 3);
  const later = toWatchEventTable(core('configmaps'), cm, {
    now,
    includeObject: 'Metadata',
    includeColumns: false,
  });
  assert.deepEqual(later.columnDefinitions, []);
  assert.deepEqual(later.rows[0]?.cells, ['c', 0, '3d']);
});

test('list metadata: continue and remainingItemCount are copied', () => {
  const t = toTable(core('secrets'), [], {
    now,
    includeObject: 'None',
    listMeta: { resourceVersion: '5', continue: 'tok', remainingItemCount: 12 },
  });
  assert.deepEqual(t.metadata, { resourceVersion: '5', continue: 'tok', remainingItemCount: 12 });
  assert.deepEqual(t.rows, []);
});

test('services: ClusterIP, NodePort, LoadBalancer, headless, ExternalName', () => {
  const svc = (name: string, spec: object, status: object = {}): KubeObject =>
    obj(name, { spec, status });
  assert.deepEqual(columnNames(core('services')), [
    'Name',
    'Type',
    'Cluster-IP',
    'External-IP',
    'Port(s)',
    'Age',
    '(Selector)',
  ]);
  assert.deepEqual(
    row(
      core('services'),
      svc('web', {
        type: 'ClusterIP',
        clusterIP: '10.96.0.10',
        clusterIPs: ['10.96.0.10'],
        ports: [
          { port: 80, protocol: 'TCP', targetPort: 8080 },
          { port: 53, protocol: 'UDP' },
        ],
        selector: { tier: 'fe', app: 'web' },
      }),
    ),
    ['web', 'ClusterIP', '10.96.0.10', '<none>', '80/TCP,53/UDP', '3d', 'app=web,tier=fe'],
  );
  assert.deepEqual(
    row(
      core('services'),
      svc('np', {
        type: 'NodePort',
        clusterIP: '10.96.0.11',
        ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }],
      }),
    ).slice(1, 5),
    ['NodePort', '10.96.0.11', '<none>', '80:30080/TCP'],
  );
  const lb = {
    type: 'LoadBalancer',
    clusterIP: '10.96.0.12',
    ports: [{ port: 443, nodePort: 31443, protocol: 'TCP' }],
  };
  assert.deepEqual(row(core('services'), svc('lb', lb)).slice(1, 5), [
    'LoadBalancer',
    '10.96.0.12',
    '<pending>',
    '443:31443/TCP',
  ]);
  assert.equal(
    row(
      core('services'),
      svc('lb', lb, {
        loadBalancer: { ingress: [{ ip: '172.18.0.9' }, { hostname: 'a.example' }] },
      }),
    )[3],
    '172.18.0.9,a.example',
  );
  assert.equal(
    row(
      core('services'),
      svc(
        'lb',
        { ...lb, externalIPs: ['1.2.3.4'] },
        { loadBalancer: { ingress: [{ ip: '172.18.0.9' }] } },
      ),
    )[3],
    '172.18.0.9,1.2.3.4',
  );
  assert.deepEqual(row(core('services'), svc('db', { clusterIP: 'None', clusterIPs: ['None'] })), [
    'db',
    'ClusterIP',
    'None',
    '<none>',
    '<none>',
    '3d',
    '<none>',
  ]);
  assert.deepEqual(
    row(core('services'), svc('ext', { type: 'ExternalName', externalName: 'example.com' })).slice(
      1,
      5,
    ),
    ['ExternalName', '<none>', 'example.com', '<none>'],
  );
});

test('endpoints and endpointslices list three addresses then "+ N more..."', () => {
  const ep = obj('web', {
    subsets: [
      {
        addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }, { ip: 'fd00::3' }],
        ports: [{ port: 80 }, { port: 443 }],
      },
    ],
  });
  assert.deepEqual(row(core('endpoints'), ep), [
    'web',
    '10.0.0.1:80,10.0.0.2:80,[fd00::3]:80 + 3 more...',
    '3d',
  ]);
  assert.deepEqual(row(core('endpoints'), obj('none', {})), ['none', '<none>', '3d']);
  assert.deepEqual(
    row(core('endpoints'), obj('noaddr', { subsets: [{ ports: [{ port: 80 }] }] }))[1],
    '',
  );

  const slice = obj('web-abc', {
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'metrics' }, {}],
    endpoints: [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2'] }],
  });
  const ref = { group: 'discovery.k8s.io', resource: 'endpointslices' };
  assert.deepEqual(row(ref, slice), ['web-abc', 'IPv4', '80,metrics,*', '10.0.0.1,10.0.0.2', '3d']);
  assert.deepEqual(row(ref, obj('empty', { addressType: 'IPv4' })), [
    'empty',
    'IPv4',
    '<unset>',
    '<unset>',
    '3d',
  ]);
});

test('configmaps, secrets, serviceaccounts, namespaces print counts and phases', () => {
  assert.deepEqual(
    row(core('configmaps'), obj('c', { data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } })),
    ['c', 3, '3d'],
  );
  assert.deepEqual(
    row(
      core('secrets'),
      obj('tls', { type: 'kubernetes.io/tls', data: { 'tls.crt': 'x', 'tls.key': 'y' } }),
    ),
    ['tls', 'kubernetes.io/tls', 2, '3d'],
  );
  assert.deepEqual(row(core('serviceaccounts'), obj('default', {})), ['default', 0, '3d']);
  assert.deepEqual(row(core('namespaces'), obj('kube-system', { status: { phase: 'Active' } })), [
    'kube-system',
    'Active',
    '3d',
  ]);
  assert.deepEqual(
    tablePrinterFor(core('secrets')).columns.map((c) => [c.name, c.type]),
    [
      ['Name', 'string'],
      ['Type', 'string'],
      ['Data', 'string'],
      ['Age', 'string'],
    ],
  );
});

test('nodes: Ready with control-plane role, NotReady, SchedulingDisabled, Unknown', () => {
  const node = (
    labels: Record<string, string>,
    conditions: object[],
    spec: object = {},
  ): KubeObject =>
    obj(
      'kbox',
      {
        spec,
        status: {
          conditions,
          addresses: [
            { type: 'Hostname', address: 'kbox' },
            { type: 'InternalIP', address: '172.18.0.2' },
          ],
          nodeInfo: {
            kubeletVersion: 'v1.32.0',
            osImage: 'Debian GNU/Linux 12 (bookworm)',
            kernelVersion: '6.8.0',
            containerRuntimeVersion: 'docker://27.3.1',
          },
        },
      },
      { labels },
    );
  const ready = [
    { type: 'MemoryPressure', status: 'False' },
    { type: 'Ready', status: 'True' },
  ];
  assert.deepEqual(columnNames(core('nodes')), [
    'Name',
    'Status',
    'Roles',
    'Age',
    'Version',
    '(Internal-IP)',
    '(External-IP)',
    '(OS-Image)',
    '(Kernel-Version)',
    '(Container-Runtime)',
  ]);
  assert.deepEqual(
    row(
      core('nodes'),
      node(
        { 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/hostname': 'kbox' },
        ready,
      ),
    ),
    [
      'kbox',
      'Ready',
      'control-plane',
      '3d',
      'v1.32.0',
      '172.18.0.2',
      '<none>',
      'Debian GNU/Linux 12 (bookworm)',
      '6.8.0',
      'docker://27.3.1',
    ],
  );
  assert.deepEqual(
    row(
      core('nodes'),
      node(
        { 'node-role.kubernetes.io/worker': '', 'kubernetes.io/role': 'edge' },
        [{ type: 'Ready', status: 'Unknown' }],
        { unschedulable: true },
      ),
    ).slice(1, 3),
    ['NotReady,SchedulingDisabled', 'edge,worker'],
  );
  assert.deepEqual(row(core('nodes'), node({}, [])).slice(1, 3), ['Unknown', '<none>']);
});

test('deployment mid-rollout, replicaset, statefulset, daemonset', () => {
  const template = {
    spec: {
      containers: [
        { name: 'nginx', image: 'nginx:1.27' },
        { name: 'log', image: 'busybox' },
      ],
    },
  };
  const dep = obj('web', {
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template },
    status: {
      replicas: 4,
      updatedReplicas: 2,
      readyReplicas: 3,
      availableReplicas: 3,
      unavailableReplicas: 1,
    },
  });
  assert.deepEqual(columnNames(apps('deployments')), [
    'Name',
    'Ready',
    'Up-to-date',
    'Available',
    'Age',
    '(Containers)',
    '(Images)',
    '(Selector)',
  ]);
  assert.deepEqual(row(apps('deployments'), dep), [
    'web',
    '3/3',
    2,
    3,
    '3d',
    'nginx,log',
    'nginx:1.27,busybox',
    'app=web',
  ]);
  // A fresh deployment without status and without replicas (v1 default 1).
  assert.deepEqual(row(apps('deployments'), obj('new', { spec: { template } })).slice(1, 4), [
    '0/1',
    0,
    0,
  ]);

  const rs = obj('web-5d9c', {
    spec: {
      replicas: 2,
      selector: {
        matchLabels: { app: 'web', 'pod-template-hash': '5d9c' },
        matchExpressions: [
          { key: 'env', operator: 'In', values: ['prod', 'dev'] },
          { key: 'canary', operator: 'DoesNotExist' },
        ],
      },
      template,
    },
    status: { replicas: 2, readyReplicas: 1 },
  });
  assert.deepEqual(row(apps('replicasets'), rs), [
    'web-5d9c',
    2,
    2,
    1,
    '3d',
    'nginx,log',
    'nginx:1.27,busybox',
    'app=web,!canary,env in (dev,prod),pod-template-hash=5d9c',
  ]);

  const sts = obj('db', { spec: { replicas: 3, template }, status: { readyReplicas: 2 } });
  assert.deepEqual(row(apps('statefulsets'), sts), [
    'db',
    '2/3',
    '3d',
    'nginx,log',
    'nginx:1.27,busybox',
  ]);

  const ds = obj('agent', {
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: {
        spec: {
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          containers: [{ name: 'a', image: 'agent:1' }],
        },
      },
    },
    status: {
      desiredNumberScheduled: 3,
      currentNumberScheduled: 3,
      numberReady: 2,
      updatedNumberScheduled: 3,
      numberAvailable: 2,
    },
  });
  assert.deepEqual(columnNames(apps('daemonsets')).slice(0, 8), [
    'Name',
    'Desired',
    'Current',
    'Ready',
    'Up-to-date',
    'Available',
    'Node Selector',
    'Age',
  ]);
  assert.deepEqual(row(apps('daemonsets'), ds), [
    'agent',
    3,
    3,
    2,
    3,
    2,
    'kubernetes.io/os=linux',
    '3d',
    'a',
    'agent:1',
    'app=agent',
  ]);
});

test('controllerrevisions name their controller as kind.group/name', () => {
  const cr = obj(
    'agent-7f8',
    { revision: 2, data: {} },
    {
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'u', controller: true },
      ],
    },
  );
  assert.deepEqual(row(apps('controllerrevisions'), cr), [
    'agent-7f8',
    'daemonset.apps/agent',
    2,
    '3d',
  ]);
  assert.deepEqual(row(apps('controllerrevisions'), obj('orphan', { revision: 1 })), [
    'orphan',
    '<none>',
    1,
    '3d',
  ]);
});

test('jobs: status, completions and duration', () => {
  const template = { spec: { containers: [{ name: 'pi', image: 'perl:5.34' }] } };
  const selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': 'abc' } };
  assert.deepEqual(columnNames(batch('jobs')), [
    'Name',
    'Status',
    'Completions',
    'Duration',
    'Age',
    '(Containers)',
    '(Images)',
    '(Selector)',
  ]);
  const runningJob = obj('pi', {
    spec: { completions: 3, parallelism: 1, selector, template },
    status: { startTime: ago(2 * m + 3 * s), active: 1, succeeded: 1 },
  });
  assert.deepEqual(row(batch('jobs'), runningJob), [
    'pi',
    'Running',
    '1/3',
    '2m3s',
    '3d',
    'pi',
    'perl:5.34',
    'batch.kubernetes.io/controller-uid=abc',
  ]);
  const complete = obj('once', {
    spec: { template },
    status: {
      startTime: ago(h),
      completionTime: ago(h - 45 * s),
      succeeded: 1,
      conditions: [
        { type: 'SuccessCriteriaMet', status: 'True' },
        { type: 'Complete', status: 'True' },
      ],
    },
  });
  assert.deepEqual(row(batch('jobs'), complete).slice(1, 4), ['Complete', '1/1', '45s']);
  const queue = obj('queue', { spec: { parallelism: 4, template }, status: {} });
  assert.deepEqual(row(batch('jobs'), queue).slice(1, 4), ['Running', '0/1 of 4', '']);
  const failed = obj('bad', {
    spec: { template },
    status: { conditions: [{ type: 'Failed', status: 'True' }] },
  });
  assert.equal(row(batch('jobs'), failed)[1], 'Failed');
  const suspended = obj('sus', {
    spec: { template },
    status: { conditions: [{ type: 'Suspended', status: 'True' }] },
  });
  assert.equal(row(batch('jobs'), suspended)[1], 'Suspended');
  const deleting = obj('del', { spec: { template }, status: {} }, { deletionTimestamp: ago(s) });
  assert.equal(row(batch('jobs'), deleting)[1], 'Terminating');
});

test('cronjobs: schedule, timezone, suspend, active, last schedule', () => {
  assert.deepEqual(columnNames(batch('cronjobs')), [
    'Name',
    'Schedule',
    'Timezone',
    'Suspend',
    'Active',
    'Last Schedule',
    'Age',
    '(Containers)',
    '(Images)',
    '(Selector)',
  ]);
  const jobTemplate = {
    spec: { template: { spec: { containers: [{ name: 'hello', image: 'busybox' }] } } },
  };
  const cj = obj('hello', {
    spec: { schedule: '*/5 * * * *', jobTemplate },
    status: { active: [{ kind: 'Job', name: 'hello-1' }], lastScheduleTime: ago(3 * m) },
  });
  assert.deepEqual(row(batch('cronjobs'), cj), [
    'hello',
    '*/5 * * * *',
    '<none>',
    'False',
    1,
    '3m',
    '3d',
    'hello',
    'busybox',
    '<none>',
  ]);
  const never = obj('tz', {
    spec: { schedule: '0 0 * * *', timeZone: 'Europe/Paris', suspend: true, jobTemplate },
    status: {},
  });
  assert.deepEqual(row(batch('cronjobs'), never).slice(1, 6), [
    '0 0 * * *',
    'Europe/Paris',
    'True',
    0,
    '<none>',
  ]);
});

test('events: core/v1 and events.k8s.io/v1 print the same row', () => {
  const coreEvent = obj('web.17d', {
    involvedObject: { kind: 'Pod', name: 'web', fieldPath: 'spec.containers{app}' },
    reason: 'BackOff',
    message: 'Back-off restarting failed container\n',
    type: 'Warning',
    source: { component: 'kubelet', host: 'kbox' },
    firstTimestamp: ago(h),
    lastTimestamp: ago(30 * s),
    count: 7,
  });
  assert.deepEqual(columnNames(core('events')), [
    'Last Seen',
    'Type',
    'Reason',
    'Object',
    '(Subobject)',
    '(Source)',
    'Message',
    '(First Seen)',
    '(Count)',
    '(Name)',
  ]);
  const want = [
    '30s',
    'Warning',
    'BackOff',
    'pod/web',
    'spec.containers{app}',
    'kubelet, kbox',
    'Back-off restarting failed container',
    '60m',
    7,
    'web.17d',
  ];
  assert.deepEqual(row(core('events'), coreEvent), want);
  const v1 = obj('web.17d', {
    regarding: { kind: 'Pod', name: 'web', fieldPath: 'spec.containers{app}' },
    reason: 'BackOff',
    note: 'Back-off restarting failed container',
    type: 'Warning',
    deprecatedSource: { component: 'kubelet', host: 'kbox' },
    deprecatedFirstTimestamp: ago(h),
    deprecatedLastTimestamp: ago(30 * s),
    deprecatedCount: 7,
  });
  assert.deepEqual(row({ group: 'events.k8s.io', resource: 'events' }, v1), want);
  // New-style event: eventTime, a series, reporting controller and no count.
  const series = obj('sched.1', {
    regarding: { kind: 'Pod', name: 'p' },
    reason: 'Scheduled',
    note: 'ok',
    type: 'Normal',
    eventTime: '2024-06-01T11:50:00.000000Z',
    reportingController: 'default-scheduler',
    reportingInstance: 'default-scheduler-kbox',
    series: { count: 4, lastObservedTime: '2024-06-01T11:59:00.500000Z' },
  });
  assert.deepEqual(row({ group: 'events.k8s.io', resource: 'events' }, series), [
    '59s',
    'Normal',
    'Scheduled',
    'pod/p',
    '',
    'default-scheduler, default-scheduler-kbox',
    'ok',
    '10m',
    4,
    'sched.1',
  ]);
  const singleton = obj('n.1', {
    involvedObject: { kind: 'Node' },
    type: 'Normal',
    reason: 'Starting',
    eventTime: ago(5 * m),
    reportingComponent: 'kube-proxy',
  });
  assert.deepEqual(row(core('events'), singleton), [
    '5m',
    'Normal',
    'Starting',
    'node',
    '',
    'kube-proxy',
    '',
    '5m',
    1,
    'n.1',
  ]);
});

test('leases, storageclasses, persistentvolumes and claims', () => {
  assert.deepEqual(
    row(
      { group: 'coordination.k8s.io', resource: 'leases' },
      obj('kbox', { spec: { holderIdentity: 'kbox' } }),
    ),
    ['kbox', 'kbox', '3d'],
  );
  assert.deepEqual(
    row({ group: 'coordination.k8s.io', resource: 'leases' }, obj('free', { spec: {} })),
    ['free', '', '3d'],
  );
  const sc = obj(
    'standard',
    { provisioner: 'kbox.dev/hostpath', volumeBindingMode: 'WaitForFirstConsumer' },
    {
      annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
    },
  );
  assert.deepEqual(row({ group: 'storage.k8s.io', resource: 'storageclasses' }, sc), [
    'standard (default)',
    'kbox.dev/hostpath',
    'Delete',
    'WaitForFirstConsumer',
    false,
    '3d',
  ]);
  const pv = obj('pv-1', {
    spec: {
      capacity: { storage: '1Gi' },
      accessModes: ['ReadWriteMany', 'ReadWriteOnce'],
      persistentVolumeReclaimPolicy: 'Delete',
      claimRef: { namespace: 'default', name: 'data' },
      storageClassName: 'standard',
      volumeMode: 'Filesystem',
    },
    status: { phase: 'Bound' },
  });
  assert.deepEqual(row(core('persistentvolumes'), pv), [
    'pv-1',
    '1Gi',
    'RWO,RWX',
    'Delete',
    'Bound',
    'default/data',
    'standard',
    '<unset>',
    '',
    '3d',
    'Filesystem',
  ]);
  const pending = obj('data', {
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '1Gi' } },
      storageClassName: 'standard',
    },
    status: { phase: 'Pending' },
  });
  assert.deepEqual(row(core('persistentvolumeclaims'), pending), [
    'data',
    'Pending',
    '',
    '',
    '',
    'standard',
    '<unset>',
    '3d',
    'Filesystem',
  ]);
  const bound = obj(
    'data',
    {
      spec: { volumeName: 'pv-1', storageClassName: 'standard', volumeMode: 'Block' },
      status: { phase: 'Bound', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] },
    },
    { deletionTimestamp: ago(s) },
  );
  assert.deepEqual(row(core('persistentvolumeclaims'), bound), [
    'data',
    'Terminating',
    'pv-1',
    '1Gi',
    'RWO',
    'standard',
    '<unset>',
    '3d',
    'Block',
  ]);
});

// printScale (pkg/printers/internalversion), reached through the scale subresource's
// ConvertToTable: Name without the "name" format, Desired and Available as integers, Age.
test('scale subresource: Name, Desired, Available, Age', () => {
  const table = toObjectTable(
    SCALE_RESOURCE,
    {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: { name: 'web', creationTimestamp: ago(2 * d + 3 * h), resourceVersion: '7' },
      spec: { replicas: 3 },
      status: { replicas: 1, selector: 'app=web' },
    },
    { now, includeObject: 'None' },
  );
  assert.deepEqual(
    table.columnDefinitions.map((c) => [c.name, c.type, c.format, c.priority]),
    [
      ['Name', 'string', '', 0],
      ['Desired', 'integer', '', 0],
      ['Available', 'integer', '', 0],
      ['Age', 'string', '', 0],
    ],
  );
  assert.equal(
    table.columnDefinitions[1]?.description,
    'replicas is the desired number of instances for the scaled object.',
  );
  assert.equal(
    table.columnDefinitions[2]?.description,
    'replicas is the actual number of observed instances of the scaled object.',
  );
  assert.deepEqual(table.rows[0]?.cells, ['web', 3, 1, '2d3h']);
  assert.deepEqual(table.metadata, { resourceVersion: '7' });
  // A scale of a workload scaled to zero has no status replicas: both cells are 0.
  const zero = toObjectTable(
    SCALE_RESOURCE,
    { metadata: { name: 'idle', creationTimestamp: ago(45 * s) }, spec: {}, status: {} },
    { now, includeObject: 'None' },
  );
  assert.deepEqual(zero.rows[0]?.cells, ['idle', 0, 0, '45s']);
});

// metrics-server's addNodeMetricsToTable / addPodMetricsToTable (pkg/api/table.go).
test('metrics: Name, one quantity column per usage resource (sorted), Window', () => {
  const node = (name: string, usage: object): KubeObject => ({
    kind: 'NodeMetrics',
    metadata: { name, creationTimestamp: ago(0) },
    window: '10.5s',
    usage,
  });
  const nodes = [
    node('a', { memory: '4Ki', cpu: '851736567n' }),
    // Columns come from the first object: a resource it lacks prints as the zero quantity.
    node('b', { cpu: '2' }),
  ];
  const table = toTableWith(metricsPrinter('NodeMetrics', nodes), nodes, {
    now,
    includeObject: 'Metadata',
  });
  assert.deepEqual(
    table.columnDefinitions.map((c) => [c.name, c.type, c.format, c.priority, c.description]),
    [
      ['Name', 'string', 'name', 0, 'Name of the resource'],
      ['cpu', 'string', 'quantity', 0, ''],
      ['memory', 'string', 'quantity', 0, ''],
      ['Window', 'string', 'duration', 0, ''],
    ],
  );
  assert.deepEqual(
    table.rows.map((r) => r.cells),
    [
      ['a', '851736567n', '4Ki', '10.5s'],
      ['b', '2', '0', '10.5s'],
    ],
  );
  assert.deepEqual(table.rows[0]?.object, {
    kind: 'PartialObjectMetadata',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { name: 'a', creationTimestamp: ago(0) },
  });
  // A pod's usage is its containers' summed (Quantity.Add), printed canonically.
  const pod: KubeObject = {
    kind: 'PodMetrics',
    metadata: { name: 'web-1', namespace: 'default' },
    window: '1m0s',
    containers: [
      { name: 'app', usage: { cpu: '1234567n', memory: '10Mi' } },
      { name: 'sidecar', usage: { cpu: '500m', memory: '123456789' } },
      { name: 'idle', usage: { cpu: '500m', memory: '1Mi' } },
    ],
  };
  const pods = toTableWith(metricsPrinter('PodMetrics', [pod]), [pod], {
    now,
    includeObject: 'None',
  });
  assert.deepEqual(
    pods.columnDefinitions.map((c) => c.name),
    ['Name', 'cpu', 'memory', 'Window'],
  );
  assert.deepEqual(pods.rows[0]?.cells, ['web-1', '1001234567n', '134991125', '1m0s']);
  const twoCpus: KubeObject = {
    metadata: { name: 'p' },
    window: '5s',
    containers: [
      { name: 'a', usage: { cpu: '1500m', memory: '512Ki' } },
      { name: 'b', usage: { cpu: '500m', memory: '512Ki' } },
    ],
  };
  assert.deepEqual(
    toTableWith(metricsPrinter('PodMetrics', [twoCpus]), [twoCpus], { now, includeObject: 'None' })
      .rows[0]?.cells,
    ['p', '2', '1Mi', '5s'],
  );
  // An empty list has no columns at all.
  const empty = toTableWith(metricsPrinter('PodMetrics', []), [], { now, includeObject: 'None' });
  assert.deepEqual([empty.columnDefinitions, empty.rows], [[], []]);
});
