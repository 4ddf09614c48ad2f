// Pod-only defaulting over HTTP (upstream SetDefaults_Pod): a container that limits a resource
// without requesting it requests what it limits, which makes such a pod Guaranteed; templates of
// workloads are left as written, as upstream leaves them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../../src/api/types.js';
import { KubeClient, type ResourceRef } from '../../src/client/rest.js';
import { startTestApi, type TestApi } from '../support/apiserver.js';

const PODS: ResourceRef = { group: '', version: 'v1', resource: 'pods', namespaced: true };
const DEPLOYMENTS: ResourceRef = {
  group: 'apps',
  version: 'v1',
  resource: 'deployments',
  namespaced: true,
};

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

type Resources = { requests?: Record<string, string>; limits?: Record<string, string> };
const resourcesOf = (o: KubeObject, field = 'containers'): Array<Resources | undefined> =>
  ((o.spec as Record<string, Array<{ resources?: Resources }>>)[field] ?? []).map(
    (c) => c.resources,
  );

test('limits without requests default the requests of a pod', async () => {
  const pod = await client.create(PODS, 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'limited' },
    spec: {
      initContainers: [{ name: 'init', image: 'x', resources: { limits: { cpu: '1' } } }],
      containers: [
        {
          name: 'both',
          image: 'x',
          resources: { limits: { cpu: '500m', memory: '64Mi' }, requests: { cpu: '250m' } },
        },
        { name: 'none', image: 'x' },
        { name: 'limits', image: 'x', resources: { limits: { cpu: '1', memory: '1Gi' } } },
      ],
    },
  });
  assert.deepEqual(resourcesOf(pod), [
    { limits: { cpu: '500m', memory: '64Mi' }, requests: { cpu: '250m', memory: '64Mi' } },
    {},
    { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1', memory: '1Gi' } },
  ]);
  assert.deepEqual(resourcesOf(pod, 'initContainers'), [
    { limits: { cpu: '1' }, requests: { cpu: '1' } },
  ]);

  const guaranteed = await client.create(PODS, 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'guaranteed' },
    spec: {
      containers: [{ name: 'c', image: 'x', resources: { limits: { cpu: '1', memory: '1Gi' } } }],
    },
  });
  assert.equal((guaranteed.status as { qosClass?: string }).qosClass, 'Guaranteed');

  // An update that sends the pod back without the defaulted requests is not a spec change.
  const spec = structuredClone(guaranteed.spec) as { containers: Array<{ resources: Resources }> };
  const [first] = spec.containers;
  assert.ok(first);
  delete first.resources.requests;
  const relabelled = await client.update(PODS, {
    ...guaranteed,
    metadata: { ...guaranteed.metadata, labels: { a: 'b' } },
    spec,
  });
  assert.deepEqual(resourcesOf(relabelled), [
    { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1', memory: '1Gi' } },
  ]);
});

test('quantities are stored as upstream prints them, in pods and templates', async () => {
  const pod = await client.create(PODS, 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'quantities' },
    spec: {
      containers: [
        {
          name: 'c',
          image: 'x',
          resources: { requests: { cpu: '0.5', memory: '1024Mi' }, limits: { cpu: 1.5 } },
        },
      ],
      volumes: [{ name: 'scratch', emptyDir: { sizeLimit: '2000M' } }],
    },
  });
  assert.deepEqual(resourcesOf(pod), [
    { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1500m' } },
  ]);
  const volumes = (pod.spec as { volumes: Array<{ emptyDir: { sizeLimit: string } }> }).volumes;
  assert.equal(volumes[0]?.emptyDir.sizeLimit, '2G');
});

test('a workload template keeps limits without requests', async () => {
  const d = await client.create(DEPLOYMENTS, 'default', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'c', image: 'x', resources: { limits: { cpu: '1' } } }] },
      },
    },
  });
  const template = (d.spec as { template: KubeObject }).template;
  assert.deepEqual(resourcesOf(template), [{ limits: { cpu: '1' } }]);
});
