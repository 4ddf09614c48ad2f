// A two-node cluster on Docker: a DaemonSet tolerating the control-plane taint puts one pod on
// each node (bound there by the scheduler through the matchFields node affinity), and a
// StatefulSet of two comes up in order, web-1 only after web-0 is Ready, each with its stable
// hostname and its own provisioned claim that outlives a replaced pod; the real kubectl waits
// for both rollouts. Deleting them collects the pods.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { ensureBusyboxImage } from '../support/busybox-image.js';
import { dockerOrSkip } from '../support/docker.js';
import { e2eCluster } from '../support/e2e-cluster.js';

const c = e2eCluster('workloads');
const cluster = c.name;
const { kbox, kubectl } = c;

after(() => c.delete());

const manifests = `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  selector:
    matchLabels: {app: agent}
  template:
    metadata:
      labels: {app: agent}
    spec:
      terminationGracePeriodSeconds: 1
      tolerations:
      - {key: node-role.kubernetes.io/control-plane, operator: Exists, effect: NoSchedule}
      containers:
      - name: agent
        image: kbox.test/busybox:local
        command: ["sh", "-c", "exec sleep 3600"]
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  clusterIP: None
  selector: {app: web}
  ports:
  - {port: 80}
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  replicas: 2
  serviceName: web
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: web
        image: kbox.test/busybox:local
        command: ["sh", "-c", "hostname && hostname >> /data/log && cat /data/log && exec sleep 3600"]
        volumeMounts:
        - {name: data, mountPath: /data}
        readinessProbe:
          exec: {command: ["true"]}
          periodSeconds: 1
  volumeClaimTemplates:
  - metadata:
      name: data
    spec:
      accessModes: [ReadWriteOnce]
      resources:
        requests: {storage: 1Mi}
`;

test('a DaemonSet runs on every node and a StatefulSet comes up in order', async (t) => {
  const docker = await dockerOrSkip(t);
  if (!docker) return;
  await ensureBusyboxImage(docker);
  let r = await kbox(['cluster', 'start', '--name', cluster, '--nodes', '2']);
  assert.equal(r.code, 0, r.stderr);
  r = await kubectl(['get', 'nodes', '-o', 'jsonpath={.items[*].metadata.name}']);
  const nodes = r.stdout.trim().split(' ').sort();
  assert.equal(nodes.length, 2, r.stdout);

  r = await kubectl(['apply', '-f', '-'], manifests);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    'daemonset.apps/agent created\nservice/web created\nstatefulset.apps/web created\n',
  );

  r = await kubectl(['rollout', 'status', 'daemonset/agent', '--timeout=120s']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /daemon set "agent" successfully rolled out\n$/);
  r = await kubectl([
    'get',
    'pods',
    '-l',
    'app=agent',
    '-o',
    'jsonpath={range .items[*]}{.spec.nodeName} {.status.phase}{"\\n"}{end}',
  ]);
  assert.deepEqual(
    r.stdout.trim().split('\n').sort(),
    nodes.map((n) => `${n} Running`),
  );

  r = await kubectl(['rollout', 'status', 'statefulset/web', '--timeout=120s']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /partitioned roll out complete: 2 new pods have been updated\.\.\.\n$/);
  r = await kubectl(['get', 'pod', 'web-0', 'web-1', '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const items = (
    JSON.parse(r.stdout) as {
      items: Array<{
        metadata: { name: string; creationTimestamp: string };
        status: {
          conditions?: Array<{ type: string; status: string; lastTransitionTime: string }>;
        };
      }>;
    }
  ).items;
  const [web0, web1] = items;
  assert.ok(web0 && web1);
  const ready0 = web0.status.conditions?.find((c) => c.type === 'Ready' && c.status === 'True');
  assert.ok(ready0);
  // web-1 was created only once web-0 was Ready.
  assert.ok(
    Date.parse(web1.metadata.creationTimestamp) >= Date.parse(ready0.lastTransitionTime),
    `${web1.metadata.creationTimestamp} < ${ready0.lastTransitionTime}`,
  );
  r = await kubectl(['logs', 'web-1']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'web-1\nweb-1\n');
  r = await kubectl([
    'get',
    'events',
    '--field-selector',
    'involvedObject.kind=StatefulSet',
    '-o',
    'json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const events = (
    JSON.parse(r.stdout) as {
      items: Array<{ message: string; metadata: { resourceVersion: string } }>;
    }
  ).items
    .sort((a, b) => Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion))
    .map((e) => e.message);
  assert.deepEqual(events, [
    'create Claim data-web-0 Pod web-0 in StatefulSet web success',
    'create Pod web-0 in StatefulSet web successful',
    'create Claim data-web-1 Pod web-1 in StatefulSet web success',
    'create Pod web-1 in StatefulSet web successful',
  ]);

  // A replaced pod keeps its name and its claim: the file it appends to survives.
  r = await kubectl(['delete', 'pod', 'web-0']);
  assert.equal(r.code, 0, r.stderr);
  // The controller recreates it; its log shows the file with both runs' lines.
  const deadline = Date.now() + 90_000;
  do {
    r = await kubectl(['logs', 'web-0']);
    if (r.stdout === 'web-0\nweb-0\nweb-0\n') break;
    await new Promise((res) => setTimeout(res, 500));
  } while (Date.now() < deadline);
  assert.equal(r.stdout, 'web-0\nweb-0\nweb-0\n', r.stderr);

  r = await kubectl(['delete', 'statefulset/web', 'daemonset/agent']);
  assert.equal(r.code, 0, r.stderr);
  r = await kubectl(['wait', '--for=delete', 'pod', '-l', 'app in (web, agent)', '--timeout=90s']);
  assert.equal(r.code, 0, r.stderr);
  r = await kubectl(['get', 'pods', '-o', 'name']);
  assert.equal(r.stdout, '');
});
