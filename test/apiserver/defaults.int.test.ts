// What the API server fills in on create and update, kind by kind, over HTTP: upstream 1.32's
// defaulting functions (pkg/apis/{core,apps,batch,discovery,storage,scheduling}/v1/defaults.go
// and the declarative +default tags), the Service allocator's family fields, and the admission
// plugins that default (DefaultTolerationSeconds, ServiceAccount, Priority, DefaultStorageClass).
// Each test creates a minimal object and compares the stored spec whole.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../../src/api/types.js';
import { KubeClient, type ResourceRef } from '../../src/client/rest.js';
import { startTestApi, type TestApi } from '../support/apiserver.js';

const ref = (group: string, resource: string, namespaced = true): ResourceRef => ({
  group,
  version: 'v1',
  resource,
  namespaced,
});
const PODS = ref('', 'pods');
const SERVICES = ref('', 'services');
const SECRETS = ref('', 'secrets');
const ENDPOINTS = ref('', 'endpoints');
const NODES = ref('', 'nodes', false);
const PVS = ref('', 'persistentvolumes', false);
const PVCS = ref('', 'persistentvolumeclaims');
const DEPLOYMENTS = ref('apps', 'deployments');
const REPLICASETS = ref('apps', 'replicasets');
const STATEFULSETS = ref('apps', 'statefulsets');
const DAEMONSETS = ref('apps', 'daemonsets');
const JOBS = ref('batch', 'jobs');
const CRONJOBS = ref('batch', 'cronjobs');
const SLICES = ref('discovery.k8s.io', 'endpointslices');
const STORAGE_CLASSES = ref('storage.k8s.io', 'storageclasses', false);
const PRIORITY_CLASSES = ref('scheduling.k8s.io', 'priorityclasses', false);

let api: TestApi;
let client: KubeClient;

before(async () => {
  api = await startTestApi();
  client = new KubeClient({ server: api.url });
});

after(async () => {
  await client.close();
  await api.stop();
});

type Json = Record<string, unknown>;
const specOf = (o: KubeObject): Json => o.spec as Json;

/** What SetDefaults_Container adds to a container named c running `image`. */
const container = (image: string, pullPolicy: string, extra: Json = {}): Json => ({
  name: 'c',
  image,
  imagePullPolicy: pullPolicy,
  resources: {},
  terminationMessagePath: '/dev/termination-log',
  terminationMessagePolicy: 'File',
  ...extra,
});

/** SetDefaults_PodSpec: what every pod template gets. */
const TEMPLATE_SPEC_DEFAULTS = {
  dnsPolicy: 'ClusterFirst',
  restartPolicy: 'Always',
  schedulerName: 'default-scheduler',
  securityContext: {},
  terminationGracePeriodSeconds: 30,
};

const minimalTemplate = (labels: Record<string, string>, spec: Json = {}): Json => ({
  metadata: { labels },
  spec: { containers: [{ name: 'c', image: 'nginx' }], ...spec },
});

/** A minimal template's stored spec: no enableServiceLinks, no admission fields. */
const defaultedTemplateSpec = (extra: Json = {}): Json => ({
  containers: [container('nginx', 'Always')],
  ...TEMPLATE_SPEC_DEFAULTS,
  ...extra,
});

test('a minimal pod: SetDefaults_Pod, _PodSpec, _Container and the defaulting admission plugins', async () => {
  const pod = await client.create(PODS, 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'minimal' },
    spec: { automountServiceAccountToken: false, containers: [{ name: 'c', image: 'nginx' }] },
  });
  assert.deepEqual(specOf(pod), {
    automountServiceAccountToken: false,
    containers: [container('nginx', 'Always')],
    ...TEMPLATE_SPEC_DEFAULTS,
    enableServiceLinks: true,
    serviceAccountName: 'default',
    serviceAccount: 'default',
    priority: 0,
    preemptionPolicy: 'PreemptLowerPriority',
    tolerations: [
      {
        key: 'node.kubernetes.io/not-ready',
        operator: 'Exists',
        effect: 'NoExecute',
        tolerationSeconds: 300,
      },
      {
        key: 'node.kubernetes.io/unreachable',
        operator: 'Exists',
        effect: 'NoExecute',
        tolerationSeconds: 300,
      },
    ],
  });
  assert.deepEqual(pod.status, { phase: 'Pending', qosClass: 'BestEffort' });
});

test('image pull policy follows the tag ParseImageName finds', async () => {
  const images: Array<[string, string]> = [
    ['nginx', 'Always'],
    ['nginx:latest', 'Always'],
    ['nginx:1.27', 'IfNotPresent'],
    ['localhost:5000/app', 'Always'],
    ['localhost:5000/app:v1', 'IfNotPresent'],
    [`nginx@sha256:${'a'.repeat(64)}`, 'IfNotPresent'],
    [`nginx:latest@sha256:${'a'.repeat(64)}`, 'Always'],
    [`nginx:1.27@sha256:${'a'.repeat(64)}`, 'IfNotPresent'],
  ];
  const pod = await client.create(PODS, 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'pull-policies' },
    spec: {
      automountServiceAccountToken: false,
      containers: images.map(([image], i) => ({ name: `c${i}`, image })),
      // "" is Go's unset.
      initContainers: [{ name: 'init', image: 'busybox:1.36', imagePullPolicy: '' }],
    },
  });
  const spec = specOf(pod) as { containers: Json[]; initContainers: Json[] };
  assert.deepEqual(
    spec.containers.map((c) => [c.image, c.imagePullPolicy]),
    images,
  );
  assert.equal(spec.initContainers[0]?.imagePullPolicy, 'IfNotPresent');
});

test('everything a pod spec holds: volumes, probes, hooks, env, resources, host ports', async () => {
  const fieldRef = { fieldPath: 'metadata.name' };
  const pod = await client.create(PODS, 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'rich' },
    spec: {
      automountServiceAccountToken: false,
      hostNetwork: true,
      containers: [
        {
          name: 'c',
          image: 'app:v1',
          ports: [{ containerPort: 8080 }, { containerPort: 53, protocol: 'UDP', hostPort: 53 }],
          env: [{ name: 'POD', valueFrom: { fieldRef } }],
          resources: { requests: { cpu: '100u', memory: '1Mi' }, limits: { cpu: '0.0015' } },
          livenessProbe: { httpGet: { port: 8080 } },
          readinessProbe: { grpc: { port: 9090 }, timeoutSeconds: 0 },
          startupProbe: { tcpSocket: { port: 8080 }, periodSeconds: 5 },
          lifecycle: {
            postStart: { httpGet: { port: 8080, path: '/started' } },
            preStop: { exec: { command: ['true'] } },
          },
        },
      ],
      volumes: [
        { name: 'scratch' },
        { name: 'host', hostPath: { path: '/tmp' } },
        { name: 'cm', configMap: { name: 'cm' } },
        { name: 'secret', secret: { secretName: 's', defaultMode: 0o600 } },
        { name: 'down', downwardAPI: { items: [{ path: 'name', fieldRef }] } },
        {
          name: 'proj',
          projected: {
            sources: [
              { serviceAccountToken: { path: 'token' } },
              { downwardAPI: { items: [{ path: 'name', fieldRef }] } },
            ],
          },
        },
        {
          name: 'eph',
          ephemeral: {
            volumeClaimTemplate: {
              spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
            },
          },
        },
      ],
    },
  });
  const spec = specOf(pod) as { containers: Json[]; volumes: Json[] };
  const withVersion = { apiVersion: 'v1', fieldPath: 'metadata.name' };
  assert.deepEqual(
    spec.containers[0],
    container('app:v1', 'IfNotPresent', {
      ports: [
        { containerPort: 8080, protocol: 'TCP', hostPort: 8080 },
        { containerPort: 53, protocol: 'UDP', hostPort: 53 },
      ],
      env: [{ name: 'POD', valueFrom: { fieldRef: withVersion } }],
      // Rounded up to milli scale; requests from limits only where none was asked for.
      resources: { requests: { cpu: '1m', memory: '1Mi' }, limits: { cpu: '2m' } },
      livenessProbe: {
        httpGet: { port: 8080, path: '/', scheme: 'HTTP' },
        timeoutSeconds: 1,
        periodSeconds: 10,
        successThreshold: 1,
        failureThreshold: 3,
      },
      readinessProbe: {
        grpc: { port: 9090, service: '' },
        timeoutSeconds: 1,
        periodSeconds: 10,
        successThreshold: 1,
        failureThreshold: 3,
      },
      startupProbe: {
        tcpSocket: { port: 8080 },
        timeoutSeconds: 1,
        periodSeconds: 5,
        successThreshold: 1,
        failureThreshold: 3,
      },
      lifecycle: {
        postStart: { httpGet: { port: 8080, path: '/started', scheme: 'HTTP' } },
        preStop: { exec: { command: ['true'] } },
      },
    }),
  );
  assert.deepEqual(spec.volumes, [
    { name: 'scratch', emptyDir: {} },
    { name: 'host', hostPath: { path: '/tmp', type: '' } },
    { name: 'cm', configMap: { name: 'cm', defaultMode: 420 } },
    { name: 'secret', secret: { secretName: 's', defaultMode: 0o600 } },
    {
      name: 'down',
      downwardAPI: { items: [{ path: 'name', fieldRef: withVersion }], defaultMode: 420 },
    },
    {
      name: 'proj',
      projected: {
        sources: [
          { serviceAccountToken: { path: 'token', expirationSeconds: 3600 } },
          { downwardAPI: { items: [{ path: 'name', fieldRef: withVersion }] } },
        ],
        defaultMode: 420,
      },
    },
    {
      name: 'eph',
      ephemeral: {
        volumeClaimTemplate: {
          spec: {
            accessModes: ['ReadWriteOnce'],
            resources: { requests: { storage: '1Gi' } },
            volumeMode: 'Filesystem',
          },
        },
      },
    },
  ]);
});

test('Deployment: SetDefaults_Deployment and a template without Pod-only defaults', async () => {
  const d = await client.create(DEPLOYMENTS, 'default', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: minimalTemplate({ app: 'web' }),
    },
  });
  assert.deepEqual(specOf(d), {
    replicas: 1,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: defaultedTemplateSpec() },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
    revisionHistoryLimit: 10,
    progressDeadlineSeconds: 600,
  });

  // A Recreate strategy gets no rollingUpdate; an empty type is Go's unset.
  const recreate = await client.create(DEPLOYMENTS, 'default', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'recreate' },
    spec: {
      selector: { matchLabels: { app: 'r' } },
      strategy: { type: 'Recreate' },
      template: minimalTemplate({ app: 'r' }),
    },
  });
  assert.deepEqual(specOf(recreate).strategy, { type: 'Recreate' });
  const partial = await client.create(DEPLOYMENTS, 'default', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'partial' },
    spec: {
      selector: { matchLabels: { app: 'p' } },
      strategy: { type: '', rollingUpdate: { maxSurge: 0 } },
      template: minimalTemplate({ app: 'p' }),
    },
  });
  assert.deepEqual(specOf(partial).strategy, {
    type: 'RollingUpdate',
    rollingUpdate: { maxSurge: 0, maxUnavailable: '25%' },
  });
});

test('ReplicaSet: replicas 1 and the template defaults', async () => {
  const rs = await client.create(REPLICASETS, 'default', {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'rs' },
    spec: { selector: { matchLabels: { app: 'rs' } }, template: minimalTemplate({ app: 'rs' }) },
  });
  assert.deepEqual(specOf(rs), {
    replicas: 1,
    selector: { matchLabels: { app: 'rs' } },
    template: { metadata: { labels: { app: 'rs' } }, spec: defaultedTemplateSpec() },
  });
});

test('StatefulSet: SetDefaults_StatefulSet and claim templates defaulted as claims', async () => {
  const sts = await client.create(STATEFULSETS, 'default', {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db' },
    spec: {
      selector: { matchLabels: { app: 'db' } },
      serviceName: 'db',
      template: minimalTemplate({ app: 'db' }),
      volumeClaimTemplates: [
        {
          metadata: { name: 'data' },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
        },
      ],
    },
  });
  assert.deepEqual(specOf(sts), {
    replicas: 1,
    selector: { matchLabels: { app: 'db' } },
    serviceName: 'db',
    template: { metadata: { labels: { app: 'db' } }, spec: defaultedTemplateSpec() },
    volumeClaimTemplates: [
      {
        metadata: { name: 'data' },
        spec: {
          accessModes: ['ReadWriteOnce'],
          resources: { requests: { storage: '1Gi' } },
          volumeMode: 'Filesystem',
        },
        status: { phase: 'Pending' },
      },
    ],
    podManagementPolicy: 'OrderedReady',
    updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
    revisionHistoryLimit: 10,
    persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
  });
});

test('DaemonSet: SetDefaults_DaemonSet', async () => {
  const ds = await client.create(DAEMONSETS, 'default', {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent' },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: minimalTemplate({ app: 'agent' }),
    },
  });
  assert.deepEqual(specOf(ds), {
    selector: { matchLabels: { app: 'agent' } },
    template: { metadata: { labels: { app: 'agent' } }, spec: defaultedTemplateSpec() },
    updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
    revisionHistoryLimit: 10,
  });
});

test('DaemonSet: the template generation annotation, bumped only by template changes', async () => {
  const ANN = 'deprecated.daemonset.template.generation';
  const ds = await client.create(DAEMONSETS, 'default', {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'gen', annotations: { [ANN]: '7' } },
    spec: { selector: { matchLabels: { app: 'gen' } }, template: minimalTemplate({ app: 'gen' }) },
  });
  assert.equal(ds.metadata.annotations?.[ANN], '1');
  const strategy = await client.update(DAEMONSETS, {
    ...ds,
    spec: { ...specOf(ds), revisionHistoryLimit: 5 },
  } as KubeObject);
  assert.deepEqual([strategy.metadata.generation, strategy.metadata.annotations?.[ANN]], [2, '1']);
  const template = structuredClone(specOf(strategy).template) as { spec: { containers: Json[] } };
  const [c] = template.spec.containers;
  assert.ok(c);
  c.image = 'nginx:1.27';
  const rolled = await client.update(DAEMONSETS, {
    ...strategy,
    spec: { ...specOf(strategy), template },
  } as KubeObject);
  assert.deepEqual([rolled.metadata.generation, rolled.metadata.annotations?.[ANN]], [3, '2']);
});

test('Job: SetDefaults_Job, with the selector the server generates', async () => {
  const job = await client.create(JOBS, 'default', {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'once' },
    spec: { template: minimalTemplate({}, { restartPolicy: 'Never' }) },
  });
  const uid = job.metadata.uid ?? '';
  const labels = {
    'batch.kubernetes.io/controller-uid': uid,
    'batch.kubernetes.io/job-name': 'once',
    'controller-uid': uid,
    'job-name': 'once',
  };
  assert.deepEqual(specOf(job), {
    template: { metadata: { labels }, spec: defaultedTemplateSpec({ restartPolicy: 'Never' }) },
    completions: 1,
    parallelism: 1,
    backoffLimit: 6,
    completionMode: 'NonIndexed',
    suspend: false,
    podReplacementPolicy: 'TerminatingOrFailed',
    manualSelector: false,
    selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } },
  });

  // A pod failure policy makes replacement wait for Failed; a per-index limit lifts the global
  // one; a condition pattern's status is True.
  const indexed = await client.create(JOBS, 'default', {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'indexed' },
    spec: {
      completionMode: 'Indexed',
      completions: 3,
      backoffLimitPerIndex: 1,
      podFailurePolicy: {
        rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }],
      },
      template: minimalTemplate({}, { restartPolicy: 'Never' }),
    },
  });
  const s = specOf(indexed);
  assert.deepEqual(
    [s.completions, s.parallelism, s.backoffLimit, s.podReplacementPolicy, s.podFailurePolicy],
    [
      3,
      1,
      2147483647,
      'Failed',
      {
        rules: [
          { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
        ],
      },
    ],
  );

  // A work queue (parallelism only) keeps completions unset.
  const queue = await client.create(JOBS, 'default', {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'queue' },
    spec: { parallelism: 4, template: minimalTemplate({}, { restartPolicy: 'Never' }) },
  });
  assert.equal(specOf(queue).completions, undefined);
  assert.equal(specOf(queue).parallelism, 4);
});

test('CronJob: SetDefaults_CronJob; the job template gets no Job defaults', async () => {
  const cj = await client.create(CRONJOBS, 'default', {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'nightly' },
    spec: {
      schedule: '0 3 * * *',
      concurrencyPolicy: '',
      jobTemplate: { spec: { template: minimalTemplate({}, { restartPolicy: 'OnFailure' }) } },
    },
  });
  assert.deepEqual(specOf(cj), {
    schedule: '0 3 * * *',
    concurrencyPolicy: 'Allow',
    suspend: false,
    successfulJobsHistoryLimit: 3,
    failedJobsHistoryLimit: 1,
    jobTemplate: {
      spec: {
        template: {
          metadata: { labels: {} },
          spec: defaultedTemplateSpec({ restartPolicy: 'OnFailure' }),
        },
      },
    },
  });
});

test('Services: SetDefaults_Service and the allocator, type by type', async () => {
  const create = (name: string, spec: Json): Promise<KubeObject> =>
    client.create(SERVICES, 'default', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name },
      spec,
    });
  const web = await create('web', { selector: { app: 'web' }, ports: [{ port: 80 }] });
  const ip = specOf(web).clusterIP;
  assert.equal(typeof ip, 'string');
  assert.deepEqual(specOf(web), {
    selector: { app: 'web' },
    ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
    type: 'ClusterIP',
    sessionAffinity: 'None',
    internalTrafficPolicy: 'Cluster',
    clusterIP: ip,
    clusterIPs: [ip],
    ipFamilies: ['IPv4'],
    ipFamilyPolicy: 'SingleStack',
  });
  assert.deepEqual(web.status, { loadBalancer: {} });

  const lb = await create('lb', {
    type: 'LoadBalancer',
    selector: { app: 'web' },
    ports: [{ port: 443, targetPort: 0 }],
  });
  const lbSpec = specOf(lb) as Json & { ports: Json[] };
  assert.deepEqual(
    {
      ...lbSpec,
      clusterIP: undefined,
      clusterIPs: undefined,
      ports: lbSpec.ports.map((p) => ({ ...p, nodePort: typeof p.nodePort })),
    },
    {
      type: 'LoadBalancer',
      selector: { app: 'web' },
      ports: [{ port: 443, protocol: 'TCP', targetPort: 443, nodePort: 'number' }],
      sessionAffinity: 'None',
      externalTrafficPolicy: 'Cluster',
      internalTrafficPolicy: 'Cluster',
      allocateLoadBalancerNodePorts: true,
      clusterIP: undefined,
      clusterIPs: undefined,
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
    },
  );

  // Local traffic policy: a health check node port of its own, kept across updates.
  const local = await create('lb-local', {
    type: 'LoadBalancer',
    externalTrafficPolicy: 'Local',
    selector: { app: 'web' },
    ports: [{ port: 80 }],
  });
  const hc = specOf(local).healthCheckNodePort;
  const localPorts = specOf(local).ports as Json[];
  assert.equal(typeof hc, 'number');
  assert.ok((hc as number) >= 30000 && (hc as number) <= 32767);
  assert.notEqual(hc, localPorts[0]?.nodePort);
  assert.notEqual(hc, lbSpec.ports[0]?.nodePort);
  const { healthCheckNodePort: _hc, ...localRest } = specOf(local);
  const relocal = await client.update(SERVICES, { ...local, spec: localRest } as KubeObject);
  assert.equal(specOf(relocal).healthCheckNodePort, hc);
  const cluster = await client.update(SERVICES, {
    ...relocal,
    spec: { ...specOf(relocal), externalTrafficPolicy: 'Cluster' },
  } as KubeObject);
  assert.equal(specOf(cluster).healthCheckNodePort, undefined);

  // A ClusterIP Service with external IPs is externally accessible.
  const ext = await create('ext-ips', {
    selector: { app: 'web' },
    externalIPs: ['192.0.2.10'],
    ports: [{ port: 80, targetPort: 'http' }],
  });
  assert.equal(specOf(ext).externalTrafficPolicy, 'Cluster');
  assert.deepEqual(specOf(ext).ports, [{ port: 80, protocol: 'TCP', targetPort: 'http' }]);

  const sticky = await create('sticky', {
    selector: { app: 'web' },
    sessionAffinity: 'ClientIP',
    ports: [{ port: 80 }],
  });
  assert.deepEqual(specOf(sticky).sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } });
  const unsticky = await create('unsticky', {
    selector: { app: 'web' },
    sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } },
    ports: [{ port: 80 }],
  });
  assert.equal(specOf(unsticky).sessionAffinityConfig, undefined);

  const external = await create('external', {
    type: 'ExternalName',
    externalName: 'example.com',
  });
  assert.deepEqual(specOf(external), {
    type: 'ExternalName',
    externalName: 'example.com',
    sessionAffinity: 'None',
  });

  const headless = await create('headless', {
    clusterIP: 'None',
    selector: { app: 'web' },
    ports: [{ port: 80 }],
  });
  assert.deepEqual(
    [specOf(headless).clusterIPs, specOf(headless).ipFamilies, specOf(headless).ipFamilyPolicy],
    [['None'], ['IPv4'], 'SingleStack'],
  );
  // Headless without a selector: its endpoints are the user's, of either family.
  const manual = await create('manual', { clusterIP: 'None', ports: [{ port: 80 }] });
  assert.deepEqual(
    [specOf(manual).clusterIPs, specOf(manual).ipFamilies, specOf(manual).ipFamilyPolicy],
    [['None'], ['IPv4', 'IPv6'], 'RequireDualStack'],
  );
  // An update that drops the policy keeps the old one.
  const { ipFamilyPolicy: _p, ipFamilies: _f, ...rest } = specOf(manual);
  const updated = await client.update(SERVICES, { ...manual, spec: rest } as KubeObject);
  assert.deepEqual(
    [specOf(updated).ipFamilies, specOf(updated).ipFamilyPolicy],
    [['IPv4', 'IPv6'], 'RequireDualStack'],
  );
});

test('Secret, Endpoints, EndpointSlice: types and protocols', async () => {
  const secret = await client.create(SECRETS, 'default', {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's' },
    stringData: { a: 'b' },
  } as KubeObject);
  assert.equal(secret.type, 'Opaque');

  const ep = await client.create(ENDPOINTS, 'default', {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'manual' },
    subsets: [
      { addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }, { port: 53, protocol: 'UDP' }] },
    ],
  } as KubeObject);
  assert.deepEqual(ep.subsets, [
    {
      addresses: [{ ip: '10.0.0.1' }],
      ports: [
        { port: 80, protocol: 'TCP' },
        { port: 53, protocol: 'UDP' },
      ],
    },
  ]);

  const slice = await client.create(SLICES, 'default', {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'manual-1' },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.0.0.1'] }],
    ports: [{ port: 80 }],
  } as KubeObject);
  assert.deepEqual(slice.ports, [{ port: 80, name: '', protocol: 'TCP' }]);
});

test('Node: allocatable defaults to capacity, on create and on status writes', async () => {
  const node = await client.create(NODES, undefined, {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'n1' },
    status: { capacity: { cpu: '2', memory: '1Gi' } },
  });
  assert.deepEqual((node.status as Json).allocatable, { cpu: '2', memory: '1Gi' });
  const written = await client.update(
    NODES,
    { ...node, status: { capacity: { cpu: '4', memory: '1Gi', pods: '110' } } } as KubeObject,
    'status',
  );
  assert.deepEqual((written.status as Json).allocatable, { cpu: '4', memory: '1Gi', pods: '110' });
});

test('storage: StorageClass, PersistentVolume, and a claim given the default class', async () => {
  const plain = await client.create(STORAGE_CLASSES, undefined, {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: 'plain' },
    provisioner: 'example.com/x',
  } as KubeObject);
  assert.deepEqual([plain.reclaimPolicy, plain.volumeBindingMode], ['Delete', 'Immediate']);

  const pv = await client.create(PVS, undefined, {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: 'pv1' },
    spec: {
      capacity: { storage: '1Gi' },
      accessModes: ['ReadWriteOnce'],
      hostPath: { path: '/tmp/pv1' },
    },
    status: { phase: 'Bound' },
  });
  assert.deepEqual(specOf(pv), {
    capacity: { storage: '1Gi' },
    accessModes: ['ReadWriteOnce'],
    hostPath: { path: '/tmp/pv1', type: '' },
    persistentVolumeReclaimPolicy: 'Retain',
    volumeMode: 'Filesystem',
  });
  const pvStatus = pv.status as Json;
  assert.equal(pvStatus.phase, 'Pending');
  assert.equal(typeof pvStatus.lastPhaseTransitionTime, 'string');
  assert.deepEqual(Object.keys(pvStatus).sort(), ['lastPhaseTransitionTime', 'phase']);

  const claim = (name: string, spec: Json): Promise<KubeObject> =>
    client.create(PVCS, 'default', {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name },
      spec: {
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: '1Gi' } },
        ...spec,
      },
    });
  // No default class yet: the claim keeps no class.
  const before = await claim('before', {});
  assert.deepEqual(specOf(before), {
    accessModes: ['ReadWriteOnce'],
    resources: { requests: { storage: '1Gi' } },
    volumeMode: 'Filesystem',
  });
  assert.deepEqual(before.status, { phase: 'Pending' });

  await client.create(STORAGE_CLASSES, undefined, {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: {
      name: 'standard',
      annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
    },
    provisioner: 'example.com/x',
  } as KubeObject);
  const after = await claim('after', {});
  assert.equal(specOf(after).storageClassName, 'standard');
  // dataSource and dataSourceRef mirror each other.
  const cloned = await claim('cloned', {
    storageClassName: 'standard',
    dataSource: { kind: 'PersistentVolumeClaim', name: 'after' },
  });
  assert.deepEqual(specOf(cloned).dataSourceRef, { kind: 'PersistentVolumeClaim', name: 'after' });
  const restored = await claim('restored', {
    storageClassName: 'standard',
    dataSourceRef: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 'snap' },
  });
  assert.deepEqual(specOf(restored).dataSource, {
    apiGroup: 'snapshot.storage.k8s.io',
    kind: 'VolumeSnapshot',
    name: 'snap',
  });
  // "" asks for no class at all.
  const none = await claim('none', { storageClassName: '' });
  assert.equal(specOf(none).storageClassName, '');
});

test('PriorityClass: preemptionPolicy PreemptLowerPriority', async () => {
  const pc = await client.create(PRIORITY_CLASSES, undefined, {
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name: 'high' },
    value: 1000,
  } as KubeObject);
  assert.equal(pc.preemptionPolicy, 'PreemptLowerPriority');
  assert.equal(pc.globalDefault, undefined);
});

test('an update is defaulted as a create is, and a pod update without defaults is no change', async () => {
  const d = await client.get(DEPLOYMENTS, 'default', 'web');
  const spec = structuredClone(specOf(d));
  delete spec.revisionHistoryLimit;
  delete spec.strategy;
  const updated = await client.update(DEPLOYMENTS, { ...d, spec } as KubeObject);
  assert.deepEqual(specOf(updated), specOf(d));
  assert.equal(updated.metadata.generation, d.metadata.generation);

  const pod = await client.get(PODS, 'default', 'rich');
  const bare = structuredClone(specOf(pod)) as Json & { containers: Json[]; volumes: Json[] };
  delete bare.enableServiceLinks;
  delete bare.containers[0]?.imagePullPolicy;
  delete (bare.volumes[1]?.hostPath as Json).type;
  const relabelled = await client.update(PODS, {
    ...pod,
    metadata: { ...pod.metadata, labels: { a: 'b' } },
    spec: bare,
  } as KubeObject);
  assert.deepEqual(specOf(relabelled), specOf(pod));
});
