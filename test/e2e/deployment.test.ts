// A user's first session: start a cluster, apply a Deployment, watch it roll out with the real
// kubectl, reach a pod's HTTP server through its IP from a client pod, read logs and events,
// roll out a change and undo it, scale, and delete with cascading garbage collection.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { ensureBusyboxImage } from '../support/busybox-image.js';
import { dockerOrSkip } from '../support/docker.js';
import { e2eCluster } from '../support/e2e-cluster.js';

const c = e2eCluster('deploy');
const cluster = c.name;
const { kbox, kubectl } = c;

after(() => c.delete());

const manifest = (mode: string): string => `apiVersion: apps/v1
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
        command: ["sh", "-c", "mkdir -p /www && echo ${mode} > /www/index.html && echo serving ${mode} && exec httpd -f -p 8080 -h /www"]
        env:
        - {name: MODE, value: "${mode}"}
`;

test('a Deployment rolls out, serves, updates, rolls back, scales and is collected', async (t) => {
  const docker = await dockerOrSkip(t);
  if (!docker) return;
  await ensureBusyboxImage(docker);
  let r = await kbox(['cluster', 'start', '--name', cluster]);
  assert.equal(r.code, 0, r.stderr);

  r = await kbox(['apply', '-f', '-'], manifest('v1'));
  assert.equal(r.stdout, 'deployment.apps/web created\n', r.stderr);
  r = await kubectl(['rollout', 'status', 'deployment/web', '--timeout=90s']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /deployment "web" successfully rolled out\n$/);

  r = await kubectl([
    'get',
    'pods',
    '-l',
    'app=web',
    '-o',
    'jsonpath={range .items[*]}{.status.phase} {.status.podIP}{"\\n"}{end}',
  ]);
  const pods = r.stdout.trim().split('\n');
  assert.equal(pods.length, 2);
  const ip = pods[0]?.split(' ')[1] ?? '';
  assert.ok(
    pods.every((p) => p.startsWith('Running ')),
    r.stdout,
  );

  // A client pod on the same network fetches the page from a web pod's IP.
  r = await kubectl(
    ['apply', '-f', '-'],
    `apiVersion: v1
kind: Pod
metadata:
  name: client
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  containers:
  - name: wget
    image: kbox.test/busybox:local
    command: ["wget", "-q", "-O", "-", "http://${ip}:8080/"]
`,
  );
  assert.equal(r.code, 0, r.stderr);
  r = await kubectl([
    'wait',
    '--for=jsonpath={.status.phase}=Succeeded',
    'pod/client',
    '--timeout=60s',
  ]);
  assert.equal(r.code, 0, r.stderr);
  r = await kbox(['logs', 'client']);
  assert.equal(r.stdout, 'v1\n');
  // As kubectl: pod/NAME, and a workload's TYPE/NAME for one of its pods, are the same logs.
  r = await kbox(['logs', 'pod/client']);
  assert.equal(r.stdout, 'v1\n', r.stderr);
  r = await kbox(['logs', 'deploy/web']);
  assert.equal(r.stdout, 'serving v1\n', r.stderr);
  assert.equal(r.stdout, (await kubectl(['logs', 'deploy/web'])).stdout);

  r = await kbox(['logs', '-l', 'app=web']);
  assert.deepEqual(
    r.stdout
      .trim()
      .split('\n')
      .map((l) => l.replace(/^\[pod\/web-[a-z0-9]+-[a-z0-9]+\/httpd\] /, '')),
    ['serving v1', 'serving v1'],
  );

  r = await kbox(['apply', '-f', '-'], manifest('v2'));
  assert.equal(r.stdout, 'deployment.apps/web configured\n', r.stderr);
  r = await kubectl(['rollout', 'status', 'deployment/web', '--timeout=90s']);
  assert.equal(r.code, 0, r.stderr);
  r = await kubectl(['rollout', 'history', 'deployment/web']);
  assert.match(r.stdout, /^REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>\n/m);
  r = await kubectl(['rollout', 'undo', 'deployment/web']);
  assert.equal(r.stdout, 'deployment.apps/web rolled back\n', r.stderr);
  r = await kubectl(['rollout', 'status', 'deployment/web', '--timeout=90s']);
  assert.equal(r.code, 0, r.stderr);
  r = await kubectl([
    'get',
    'rs',
    '-o',
    'jsonpath={range .items[*]}{.metadata.annotations.deployment\\.kubernetes\\.io/revision}={.spec.replicas} {end}',
  ]);
  assert.deepEqual(
    r.stdout.trim().split(' ').sort(),
    ['2=0', '3=2'],
    'the first ReplicaSet is reused as revision 3',
  );

  r = await kubectl(['scale', 'deployment/web', '--replicas=3']);
  assert.equal(r.stdout, 'deployment.apps/web scaled\n');
  r = await kubectl(['rollout', 'status', 'deployment/web', '--timeout=90s']);
  assert.equal(r.code, 0, r.stderr);
  r = await kubectl([
    'get',
    'deploy',
    'web',
    '-o',
    'jsonpath={.status.readyReplicas}/{.status.replicas}',
  ]);
  assert.equal(r.stdout, '3/3');

  r = await kbox(['events']);
  assert.match(r.stdout, /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/m);
  assert.match(
    r.stdout,
    /Normal\s+ScalingReplicaSet\s+Deployment\/web\s+Scaled up replica set web-[a-z0-9]+ from 0 to /,
  );
  assert.match(
    r.stdout,
    /Normal\s+Scheduled\s+Pod\/client\s+Successfully assigned default\/client to /,
  );

  r = await kbox(['delete', 'deployment', 'web']);
  assert.equal(r.stdout, 'deployment.apps "web" deleted\n', r.stderr);
  const deadline = Date.now() + 60_000;
  for (;;) {
    r = await kubectl(['get', 'rs,pods', '-l', 'app=web', '-o', 'name']);
    if (r.stdout === '') break;
    assert.ok(Date.now() < deadline, `dependents still there: ${r.stdout}`);
    await new Promise((res) => setTimeout(res, 500));
  }
});
