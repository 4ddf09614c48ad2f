// kbox describe against a real API server, compared byte for byte with kubectl describe on the
// same objects. No controllers run: the test writes the statuses, owned ReplicaSets and pods,
// endpoint slices, node lease and events a cluster would have. Events are dated hours back so
// their Age column (HumanDuration, minute-grained there) is the same for both runs; the node's
// pod table shows seconds-old ages, compared within a second (see freezeSecondAges).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApi, type TestApi } from '../support/apiserver.js';
import { runKbox } from '../support/kbox-cli.js';

let api: TestApi;

type Obj = Record<string, unknown> & { metadata: Record<string, unknown> };

async function send(method: string, path: string, body?: unknown): Promise<Obj> {
  const res = await api.request(method, path, body);
  const text = await res.text();
  assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as Obj;
}

async function withStatus(path: string, body: Obj, status: unknown): Promise<Obj> {
  const created = await send('POST', path, body);
  return send('PUT', `${path}/${String(body.metadata.name)}/status`, { ...created, status });
}

const hoursAgo = (h: number): string => new Date(Date.now() - h * 3_600_000).toISOString();

const owner = (kind: string, o: Obj, apiVersion = 'apps/v1'): unknown => ({
  apiVersion,
  kind,
  name: o.metadata.name,
  uid: o.metadata.uid,
  controller: true,
  blockOwnerDeletion: true,
});

const podSpec = {
  containers: [
    {
      name: 'web',
      image: 'busybox:1.36',
      command: ['httpd', '-f'],
      args: ['-p', '8080'],
      ports: [{ containerPort: 8080, name: 'http' }],
      env: [
        { name: 'MODE', value: 'prod' },
        { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'KEY', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
        { name: 'CM', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'x', optional: true } } },
      ],
      envFrom: [{ configMapRef: { name: 'cfg' } }, { prefix: 'S_', secretRef: { name: 's' } }],
      resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '128Mi' } },
      readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 5 },
      livenessProbe: { exec: { command: ['true'] } },
      volumeMounts: [
        { name: 'data', mountPath: '/data' },
        { name: 'cfg', mountPath: '/etc/cfg', readOnly: true, subPath: 'x' },
      ],
    },
    {
      name: 'side',
      image: 'busybox',
      ports: [{ containerPort: 1 }, { containerPort: 2, protocol: 'UDP' }],
    },
  ],
  volumes: [
    { name: 'data', emptyDir: {} },
    { name: 'cfg', configMap: { name: 'cfg' } },
    { name: 'sec', secret: { secretName: 's' } },
    { name: 'host', hostPath: { path: '/tmp' } },
    { name: 'claim', persistentVolumeClaim: { claimName: 'data' } },
  ],
  nodeSelector: { disk: 'ssd' },
  tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'web', effect: 'NoSchedule' }],
};

async function event(
  ns: string,
  name: string,
  involved: Record<string, unknown>,
  extra: Record<string, unknown>,
): Promise<void> {
  await send('POST', `/api/v1/namespaces/${ns}/events`, {
    metadata: { name },
    involvedObject: { namespace: ns, ...involved },
    type: 'Normal',
    source: { component: 'test-controller' },
    ...extra,
  });
}

before(async () => {
  api = await startTestApi();
  const ns = 'd';
  await send('POST', '/api/v1/namespaces', { metadata: { name: ns, labels: { team: 'a' } } });
  const base = `/api/v1/namespaces/${ns}`;
  const apps = `/apis/apps/v1/namespaces/${ns}`;

  await send('POST', `${base}/configmaps`, {
    metadata: { name: 'cfg' },
    data: { x: 'line1\nline2' },
  });
  await send('POST', `${base}/secrets`, { metadata: { name: 's' }, stringData: { k: 'secret!' } });
  const sa = await send('POST', `${base}/serviceaccounts`, {
    metadata: { name: 'robot' },
    secrets: [{ name: 's' }, { name: 'gone' }],
    imagePullSecrets: [{ name: 'pull' }],
  });
  void sa;

  const dep = await withStatus(
    `${apps}/deployments`,
    {
      metadata: { name: 'web', labels: { app: 'web' }, annotations: { note: 'hello' } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: podSpec },
      },
    },
    {
      replicas: 2,
      updatedReplicas: 2,
      availableReplicas: 1,
      unavailableReplicas: 1,
      conditions: [
        { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' },
        { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' },
      ],
    },
  );
  const rs = await withStatus(
    `${apps}/replicasets`,
    {
      metadata: {
        name: 'web-abc12',
        labels: { app: 'web', 'pod-template-hash': 'abc12' },
        ownerReferences: [owner('Deployment', dep)],
      },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web', 'pod-template-hash': 'abc12' } },
        template: {
          metadata: { labels: { app: 'web', 'pod-template-hash': 'abc12' } },
          spec: podSpec,
        },
      },
    },
    { replicas: 2, readyReplicas: 1 },
  );
  await send('POST', `${apps}/replicasets`, {
    metadata: {
      name: 'web-old99',
      labels: { app: 'web' },
      ownerReferences: [owner('Deployment', dep)],
    },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: 'web', 'pod-template-hash': 'old99' } },
      template: {
        metadata: { labels: { app: 'web', 'pod-template-hash': 'old99' } },
        spec: { containers: [{ name: 'web', image: 'busybox:1.35' }] },
      },
    },
  });

  await send('POST', '/api/v1/nodes', {
    metadata: {
      name: 'node-1',
      labels: { 'node-role.kubernetes.io/control-plane': '', disk: 'ssd' },
    },
    spec: {
      taints: [{ key: 'dedicated', value: 'web', effect: 'NoSchedule' }],
      podCIDR: '10.244.0.0/24',
      podCIDRs: ['10.244.0.0/24'],
    },
  });
  await send('PUT', '/api/v1/nodes/node-1/status', {
    ...(await send('GET', '/api/v1/nodes/node-1')),
    status: {
      capacity: { cpu: '4', memory: '8Gi', pods: '110', 'ephemeral-storage': '100Gi' },
      allocatable: { cpu: '4', memory: '8Gi', pods: '110', 'ephemeral-storage': '100Gi' },
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          lastHeartbeatTime: hoursAgo(1),
          lastTransitionTime: hoursAgo(30),
          reason: 'KubeletReady',
          message: 'kubelet is posting ready status',
        },
      ],
      addresses: [
        { type: 'InternalIP', address: '172.18.0.2' },
        { type: 'Hostname', address: 'node-1' },
      ],
      nodeInfo: {
        machineID: 'm1',
        systemUUID: 'u1',
        bootID: 'b1',
        kernelVersion: '6.1',
        osImage: 'kbox',
        operatingSystem: 'linux',
        architecture: 'amd64',
        containerRuntimeVersion: 'docker://27',
        kubeletVersion: 'v1.32.0',
        kubeProxyVersion: '',
      },
    },
  });
  await send('POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', {
    metadata: { name: 'node-1' },
    spec: {
      holderIdentity: 'node-1',
      leaseDurationSeconds: 40,
      renewTime: '2026-01-02T03:04:05.000000Z',
    },
  });

  const pod = await send('POST', `${base}/pods`, {
    metadata: {
      name: 'web-abc12-xyz',
      labels: { app: 'web', 'pod-template-hash': 'abc12' },
      ownerReferences: [owner('ReplicaSet', rs)],
    },
    spec: { ...podSpec, nodeName: 'node-1' },
  });
  await send('PUT', `${base}/pods/web-abc12-xyz/status`, {
    ...pod,
    status: {
      phase: 'Running',
      hostIP: '172.18.0.2',
      podIP: '10.244.0.5',
      podIPs: [{ ip: '10.244.0.5' }],
      startTime: hoursAgo(10),
      qosClass: 'Burstable',
      conditions: [
        { type: 'Ready', status: 'False' },
        { type: 'PodScheduled', status: 'True' },
      ],
      containerStatuses: [
        {
          name: 'web',
          ready: true,
          restartCount: 2,
          image: 'busybox:1.36',
          imageID: 'docker://sha256:abc',
          containerID: 'docker://123',
          state: { running: { startedAt: hoursAgo(9) } },
          lastState: {
            terminated: {
              exitCode: 137,
              reason: 'Error',
              startedAt: hoursAgo(10),
              finishedAt: hoursAgo(9),
            },
          },
        },
        {
          name: 'side',
          ready: false,
          restartCount: 0,
          image: 'busybox',
          imageID: '',
          state: { waiting: { reason: 'ImagePullBackOff' } },
        },
      ],
    },
  });
  await event(
    ns,
    'ev1',
    { kind: 'Pod', name: 'web-abc12-xyz', uid: pod.metadata.uid },
    {
      reason: 'Scheduled',
      message: 'Successfully assigned d/web-abc12-xyz to node-1  ',
      firstTimestamp: hoursAgo(10),
      lastTimestamp: hoursAgo(10),
      count: 1,
    },
  );
  await event(
    ns,
    'ev2',
    { kind: 'Pod', name: 'web-abc12-xyz', uid: pod.metadata.uid },
    {
      type: 'Warning',
      reason: 'BackOff',
      message: 'Back-off pulling image "busybox"',
      firstTimestamp: hoursAgo(9.5),
      lastTimestamp: hoursAgo(3.25),
      count: 14,
      source: { component: 'kubelet', host: 'node-1' },
    },
  );
  await event(
    ns,
    'ev3',
    { kind: 'Deployment', name: 'web', uid: dep.metadata.uid, apiVersion: 'apps/v1' },
    {
      reason: 'ScalingReplicaSet',
      message: 'Scaled up replica set web-abc12 to 2',
      firstTimestamp: hoursAgo(50),
      lastTimestamp: hoursAgo(50),
      count: 1,
    },
  );

  await send('POST', `${base}/services`, {
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: {
      selector: { app: 'web' },
      ports: [
        { name: 'http', port: 80, targetPort: 'http' },
        { name: 'metrics', port: 9090, targetPort: 9090, protocol: 'TCP' },
      ],
    },
  });
  await send('POST', `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices`, {
    metadata: { name: 'web-x1', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    endpoints: [
      {
        addresses: ['10.244.0.5'],
        conditions: { ready: true },
        nodeName: 'node-1',
        targetRef: { kind: 'Pod', name: 'web-abc12-xyz', namespace: ns },
      },
      { addresses: ['10.244.0.6'], conditions: { ready: false } },
    ],
    ports: [
      { name: 'http', port: 8080, protocol: 'TCP' },
      { name: 'metrics', port: 9090, protocol: 'TCP' },
    ],
  });
  await send('POST', `${base}/endpoints`, {
    metadata: { name: 'web' },
    subsets: [
      {
        addresses: [{ ip: '10.244.0.5' }],
        notReadyAddresses: [{ ip: '10.244.0.6' }],
        ports: [
          { name: 'http', port: 8080, protocol: 'TCP' },
          { port: 9090, protocol: 'TCP' },
        ],
      },
    ],
  });
  await send('POST', '/api/v1/persistentvolumes', {
    metadata: { name: 'pv-1', labels: { kind: 'host' } },
    spec: {
      capacity: { storage: '5Gi' },
      accessModes: ['ReadWriteOnce', 'ReadOnlyMany'],
      persistentVolumeReclaimPolicy: 'Retain',
      storageClassName: 'local',
      hostPath: { path: '/srv/pv-1', type: 'DirectoryOrCreate' },
      claimRef: { namespace: ns, name: 'data' },
      nodeAffinity: {
        required: {
          nodeSelectorTerms: [
            {
              matchExpressions: [
                { key: 'kubernetes.io/hostname', operator: 'In', values: ['node-1'] },
              ],
            },
          ],
        },
      },
    },
  });
  await send('POST', `${base}/persistentvolumeclaims`, {
    metadata: { name: 'data' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
  });
  const sts = await send('POST', `${apps}/statefulsets`, {
    metadata: { name: 'db' },
    spec: {
      replicas: 1,
      serviceName: 'db',
      selector: { matchLabels: { app: 'db' } },
      template: {
        metadata: { labels: { app: 'db' } },
        spec: { containers: [{ name: 'db', image: 'busybox' }] },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: 'data' },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } } },
        },
      ],
    },
  });
  void sts;
  await send('POST', `${apps}/daemonsets`, {
    metadata: { name: 'agent' },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: {
        metadata: { labels: { app: 'agent' }, annotations: { a: 'b' } },
        spec: { containers: [{ name: 'agent', image: 'busybox' }], nodeSelector: { disk: 'ssd' } },
      },
    },
  });
  await send('POST', `/apis/batch/v1/namespaces/${ns}/jobs`, {
    metadata: { name: 'once' },
    spec: {
      backoffLimit: 2,
      template: {
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'c', image: 'busybox', command: ['true'] }],
        },
      },
    },
  });
  await send('POST', `/apis/batch/v1/namespaces/${ns}/cronjobs`, {
    metadata: { name: 'tick' },
    spec: {
      schedule: '*/5 * * * *',
      jobTemplate: {
        spec: {
          template: {
            spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] },
          },
        },
      },
    },
  });
  await send('POST', '/apis/scheduling.k8s.io/v1/priorityclasses', {
    metadata: { name: 'high', annotations: { owner: 'ops' } },
    value: 1000,
    description: 'for the important pods',
  });
  await send('POST', '/apis/storage.k8s.io/v1/storageclasses', {
    metadata: {
      name: 'local',
      annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
    },
    provisioner: 'kbox.dev/hostpath',
    parameters: { root: '/data' },
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'WaitForFirstConsumer',
    mountOptions: ['ro'],
    allowedTopologies: [{ matchLabelExpressions: [{ key: 'zone', values: ['a', 'b'] }] }],
  });
  await send('POST', `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`, {
    metadata: { name: 'lock', labels: { x: 'y' } },
    spec: { holderIdentity: 'me', leaseDurationSeconds: 15 },
  });
});
after(() => api.stop());

/**
 * Ages of a few seconds (what a node's pod table shows for pods made by this test) read as
 * `<age>`, once shown consistent: kbox ran after kubectl, so its ages may only be larger, by
 * no more than the seconds both runs took together.
 */
function freezeSecondAges(mine: string, theirs: string, elapsedMs: number): [string, string] {
  const ages = (s: string): number[] => [...s.matchAll(/ (\d+)s\n/g)].map((m) => Number(m[1]));
  const a = ages(mine);
  const b = ages(theirs);
  assert.equal(a.length, b.length, 'the same number of seconds-old ages');
  const slack = Math.ceil(elapsedMs / 1000) + 1;
  for (const [i, x] of a.entries()) {
    const y = b[i] ?? 0;
    assert.ok(x >= y && x - y <= slack, `age ${x}s (kbox) vs ${y}s (kubectl), slack ${slack}s`);
  }
  const freeze = (s: string): string => s.replace(/ \d+s\n/g, ' <age>\n');
  return [freeze(mine), freeze(theirs)];
}

/** kubectl and kbox on the same arguments: output and exit code must be identical. */
async function same(args: string[], secondAges = false): Promise<string> {
  const start = Date.now();
  const theirs = await api.kubectl(['-n', 'd', ...args]);
  const mine = await runKbox(api.kubeconfig, [...args, '-n', 'd']);
  const [a, b] = secondAges
    ? freezeSecondAges(mine.stdout, theirs.stdout, Date.now() - start)
    : [mine.stdout, theirs.stdout];
  assert.equal(a, b, `kbox describe ${args.join(' ')}`);
  assert.equal(mine.stderr, theirs.stderr, `stderr of ${args.join(' ')}`);
  assert.equal(mine.code, theirs.code);
  return mine.stdout;
}

test('describe pod: containers, states, env, mounts, volumes, conditions, events', async () => {
  const out = await same(['describe', 'pod', 'web-abc12-xyz']);
  assert.match(out, /^Events:\n {2}Type {5}Reason/m);
  assert.match(out, /Warning {2}BackOff {4}3h15m \(x14 over 9h\) {2}kubelet/);
  await same(['describe', 'pods', 'web']); // a name prefix
  await same(['describe', 'po/web-abc12-xyz', '--show-events=false']);
});

test('describe workloads: deployment, replicaset, statefulset, daemonset, job, cronjob', async () => {
  const out = await same(['describe', 'deployment', 'web']);
  assert.match(out, /NewReplicaSet: {3}web-abc12 \(2\/2 replicas created\)/);
  await same(['describe', 'rs/web-abc12', 'rs/web-old99']);
  await same(['describe', 'statefulset', 'db']);
  await same(['describe', 'ds', 'agent']);
  await same(['describe', 'job', 'once']);
  await same(['describe', 'cronjob', 'tick']);
});

test('describe services, endpoints, config, secrets, service accounts, claims', async () => {
  await same(['describe', 'svc', 'web']);
  await same(['describe', 'endpoints', 'web']);
  await same(['describe', 'configmap', 'cfg']);
  await same(['describe', 'secret', 's']);
  await same(['describe', 'sa', 'robot']);
  await same(['describe', 'pvc', 'data']);
});

test('describe cluster objects, the generic layout, lists and errors', async () => {
  await same(['describe', 'node', 'node-1'], true);
  await same(['describe', 'namespace', 'd']);
  await same(['describe', 'lease', 'lock']);
  await same(['describe', 'priorityclass', 'high']);
  await same(['describe', 'pv', 'pv-1']);
  await same(['describe', 'storageclass', 'local']);
  await same(['describe', 'endpointslice', 'web-x1']);
  await same(['describe', 'configmaps,secrets', '-l', 'nothing=here']);
  await same(['describe', 'deploy', '-A']);
  await same(['describe', 'pod', 'nope']);
  await same(['describe', 'pod/nope', 'svc/web']);
  await same(['describe', 'svc', 'web', 'nope', 'web']);
});
