// A Service in front of a Deployment on a real cluster: the kubelet reports pod IPs and
// readiness, and the Endpoints and EndpointSlices the controllers write follow the pods as the
// Deployment scales, as the real kubectl shows them.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { ensureBusyboxImage } from '../support/busybox-image.js';
import { dockerOrSkip } from '../support/docker.js';
import { e2eCluster, until } from '../support/e2e-cluster.js';

const c = e2eCluster('eps');
const cluster = c.name;
const { kbox, kubectl } = c;

after(() => c.delete());

const manifest = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: httpd
        image: kbox.test/busybox:local
        command: ["sh", "-c", "mkdir -p /www && echo hi > /www/index.html && exec httpd -f -p 8080 -h /www"]
        ports:
        - {name: http, containerPort: 8080}
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: http}
`;

test('Endpoints and EndpointSlices follow a Deployment as it scales', async (t) => {
  const docker = await dockerOrSkip(t);
  if (!docker) return;
  await ensureBusyboxImage(docker);
  let r = await kbox(['cluster', 'start', '--name', cluster]);
  assert.equal(r.code, 0, r.stderr);
  r = await kubectl(['apply', '-f', '-'], manifest);
  assert.equal(r.stdout, 'deployment.apps/web created\nservice/web created\n', r.stderr);
  r = await kubectl(['rollout', 'status', 'deployment/web', '--timeout=90s']);
  assert.equal(r.code, 0, r.stderr);

  const podIPs = async (): Promise<string[]> => {
    const out = await kubectl([
      'get',
      'pods',
      '-l',
      'app=web',
      '-o',
      'jsonpath={.items[*].status.podIP}',
    ]);
    return out.stdout
      .split(' ')
      .filter((s) => s !== '')
      .sort();
  };
  const endpointIPs = async (): Promise<string> =>
    (
      await kubectl([
        'get',
        'endpoints',
        'web',
        '-o',
        'jsonpath={.subsets[*].addresses[*].ip} {.subsets[*].ports[*].port}',
      ])
    ).stdout;
  let ips = await podIPs();
  assert.equal(ips.length, 2);
  await until('two ready endpoints', endpointIPs, (s) => s === `${ips.join(' ')} 8080`);
  r = await kubectl(['get', 'endpoints', 'web', '--no-headers']);
  assert.equal(r.stdout.trim().split(/\s{2,}/)[1], ips.map((ip) => `${ip}:8080`).join(','));

  const sliceIPs = async (): Promise<string> =>
    (
      await kubectl([
        'get',
        'endpointslices',
        '-l',
        'kubernetes.io/service-name=web',
        '-o',
        'jsonpath={range .items[*].endpoints[*]}{.addresses[0]}={.conditions.ready} {end}',
      ])
    ).stdout.trim();
  const sorted = (s: string): string => s.split(' ').sort().join(' ');
  await until(
    'two ready slice endpoints',
    sliceIPs,
    (s) => sorted(s) === ips.map((ip) => `${ip}=true`).join(' '),
  );

  r = await kubectl(['scale', 'deployment/web', '--replicas=1']);
  assert.equal(r.code, 0, r.stderr);
  await until(
    'one pod left',
    async () => (await podIPs()).join(' '),
    (s) => s.split(' ').length === 1,
  );
  ips = await podIPs();
  await until('one endpoint', endpointIPs, (s) => s === `${ips[0]} 8080`);
  await until('one slice endpoint', sliceIPs, (s) => s === `${ips[0]}=true`);

  r = await kubectl(['delete', 'service', 'web']);
  assert.equal(r.code, 0, r.stderr);
  await until(
    "endpoints deleted (the kubernetes Service's stay)",
    async () => (await kubectl(['get', 'endpoints', '-o', 'name'])).stdout,
    (s) => s === 'endpoints/kubernetes\n',
  );
  await until(
    'slices deleted',
    async () => (await kubectl(['get', 'endpointslices', '-o', 'name'])).stdout,
    (s) => s === 'endpointslice.discovery.k8s.io/kubernetes\n',
  );
});
