// Services end to end on a real cluster: a two-replica httpd Deployment behind a ClusterIP
// Service (port 80 → the named targetPort http = 8080), a ClientIP-affinity one and a
// LoadBalancer Service; headless Services (one for a StatefulSet) and an ExternalName. A client pod
// reaches it by every DNS name form and by ClusterIP and sees both backends; the host reaches the
// ClusterIP, the NodePort on 127.0.0.1 and the LoadBalancer's own 127.x address; scaling to zero
// makes connections fail at once and scaling up brings traffic back; kubectl port-forward to the
// Service works; deleting a Service and the cluster removes the VIP containers.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { cidrContains, clusterNetwork } from '../../src/api/cluster-network.js';
import { hostPortFree } from '../../src/proxy/vip-controller.js';
import { KUBECTL } from '../support/apiserver.js';
import { ensureBusyboxImage } from '../support/busybox-image.js';
import { dockerOrSkip } from '../support/docker.js';
import { e2eCluster, until } from '../support/e2e-cluster.js';

const c = e2eCluster('svc');
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
        command: ["sh", "-c", "mkdir -p /www && busybox hostname > /www/index.html && exec busybox httpd -f -p 8080 -h /www"]
        ports:
        - {name: http, containerPort: 8080}
        readinessProbe:
          tcpSocket: {port: http}
          periodSeconds: 1
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: http}
---
apiVersion: v1
kind: Service
metadata:
  name: web-lb
spec:
  type: LoadBalancer
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: http, nodePort: NODE_PORT}
---
apiVersion: v1
kind: Service
metadata:
  name: web-sticky
spec:
  selector: {app: web}
  sessionAffinity: ClientIP
  ports:
  - {name: http, port: 80, targetPort: http}
---
apiVersion: v1
kind: Service
metadata:
  name: web-headless
spec:
  clusterIP: None
  selector: {app: web}
  ports:
  - {name: http, port: 8080}
---
apiVersion: v1
kind: Service
metadata:
  name: web-alias
spec:
  type: ExternalName
  externalName: web.default.svc.cluster.local
---
apiVersion: v1
kind: Service
metadata:
  name: db
spec:
  clusterIP: None
  selector: {app: db}
  ports:
  - {name: http, port: 8080}
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  serviceName: db
  replicas: 1
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      terminationGracePeriodSeconds: 0
      containers:
      - name: httpd
        image: kbox.test/busybox:local
        command: ["sh", "-c", "mkdir -p /www && busybox hostname > /www/index.html && exec busybox httpd -f -p 8080 -h /www"]
---
apiVersion: v1
kind: Pod
metadata:
  name: client
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: c
    image: kbox.test/busybox:local
    command: ["sleep", "3600"]
`;

/** GET / on a fresh connection: the body, or the error code. */
function httpGet(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ host, port, path: '/', agent: false, timeout: 3000 }, (res) => {
      let body = '';
      res.on('data', (b: Buffer) => (body += b.toString()));
      res.on('end', () => resolve(body.trim()));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) => resolve(`error:${err.code ?? err.message}`));
    req.end();
  });
}

/** Connects and reports how the connection ended with no data sent, and how long it took. */
function connectFailure(host: string, port: number): Promise<{ code: string; ms: number }> {
  const start = Date.now();
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.setTimeout(5000, () => s.destroy(Object.assign(new Error('t'), { code: 'TIMEOUT' })));
    s.on('data', () => s.destroy(Object.assign(new Error('d'), { code: 'GOT_DATA' })));
    s.on('error', (err: NodeJS.ErrnoException) =>
      resolve({ code: err.code ?? err.message, ms: Date.now() - start }),
    );
    s.on('close', () => resolve({ code: 'CLOSED', ms: Date.now() - start }));
  });
}

test('Services: names, ClusterIP, NodePort, LoadBalancer, scaling, port-forward', async (t) => {
  const docker = await dockerOrSkip(t);
  if (!docker) return;
  await ensureBusyboxImage(docker);
  let r = await kbox(['cluster', 'start', '--name', c.name]);
  assert.equal(r.code, 0, r.stderr);
  // A NodePort free on this host (other clusters may hold some), so the test does not depend
  // on which ones the allocator hands out.
  let nodePort = 30000 + (process.pid % 2700);
  while (!(await hostPortFree('127.0.0.1', nodePort, 'tcp'))) nodePort++;
  r = await kubectl(['apply', '-f', '-'], manifest.replace('NODE_PORT', String(nodePort)));
  assert.equal(
    r.stdout,
    'deployment.apps/web created\nservice/web created\nservice/web-lb created\n' +
      'service/web-sticky created\nservice/web-headless created\nservice/web-alias created\nservice/db created\n' +
      'statefulset.apps/db created\npod/client created\n',
    r.stderr,
  );
  r = await kubectl(['rollout', 'status', 'deployment/web', '--timeout=90s']);
  assert.equal(r.code, 0, r.stderr);
  r = await kubectl(['rollout', 'status', 'statefulset/db', '--timeout=90s']);
  assert.equal(r.code, 0, r.stderr);
  r = await kubectl(['wait', '--for=condition=Ready', 'pod/client', '--timeout=60s']);
  assert.equal(r.code, 0, r.stderr);

  // The cluster's subnet was chosen at first start and the ClusterIP comes from its upper half.
  const config = JSON.parse(
    readFileSync(join(c.env.KBOX_HOME ?? '', c.name, 'cluster.json'), 'utf8'),
  ) as {
    subnet: string;
  };
  const plan = clusterNetwork(config.subnet);
  const clusterIP = (await kubectl(['get', 'svc', 'web', '-o', 'jsonpath={.spec.clusterIP}']))
    .stdout;
  assert.ok(cidrContains(plan.serviceCidr, clusterIP), `${clusterIP} in ${plan.serviceCidr}`);
  const hostnames = (
    await kubectl(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[*].metadata.name}'])
  ).stdout
    .split(' ')
    .sort();
  assert.equal(hostnames.length, 2);

  const fromClient = (script: string): Promise<{ stdout: string; stderr: string; code: number }> =>
    kubectl(['exec', 'client', '--', 'sh', '-c', script]);
  const wget = (target: string): string =>
    `busybox timeout 3 busybox wget -q -O- http://${target}/ 2>&1`;

  await t.test('a pod reaches the Service by every name form and by ClusterIP', async () => {
    for (const name of [
      'web',
      'web.default',
      'web.default.svc',
      'web.default.svc.cluster.local',
      clusterIP,
    ]) {
      const got = await until(
        `GET http://${name}/ from the client pod`,
        () => fromClient(wget(name)),
        (x) => x.code === 0 && hostnames.includes(x.stdout.trim()),
        30_000,
      );
      assert.ok(hostnames.includes(got.stdout.trim()), name);
    }
    // Round robin: six requests see both backends.
    const many = await fromClient(`for i in 1 2 3 4 5 6; do ${wget('web')}; done`);
    assert.deepEqual([...new Set(many.stdout.trim().split('\n'))].sort(), hostnames, many.stdout);
    // sessionAffinity ClientIP: every request from this pod lands on the same backend.
    await until(
      'web-sticky to answer',
      () => fromClient(wget('web-sticky')),
      (x) => x.code === 0 && hostnames.includes(x.stdout.trim()),
      30_000,
    );
    const sticky = await fromClient(`for i in 1 2 3 4 5 6; do ${wget('web-sticky')}; done`);
    const stuck = sticky.stdout.trim().split('\n');
    assert.equal(stuck.length, 6, sticky.stdout);
    assert.equal(new Set(stuck).size, 1, sticky.stdout);
  });

  await t.test(
    'cluster DNS: headless Services, StatefulSet pod names, ExternalName, SRV',
    async () => {
      const dnsIp = (
        await kubectl([
          'get',
          'svc',
          '-n',
          'kube-system',
          'kube-dns',
          '-o',
          'jsonpath={.spec.clusterIP}',
        ])
      ).stdout;
      assert.equal(dnsIp, plan.dnsIp);
      const podIPs = (
        await kubectl(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[*].status.podIP}'])
      ).stdout
        .split(' ')
        .sort();
      const headless = await until(
        'the headless Service to resolve to both pods',
        () => fromClient('nslookup web-headless.default.svc.cluster.local.'),
        (x) => x.code === 0 && podIPs.every((ip) => x.stdout.includes(`Address: ${ip}`)),
        30_000,
      );
      assert.deepEqual(
        [...headless.stdout.matchAll(/^Address: (10\.[\d.]+)$/gm)].map((m) => m[1]).sort(),
        podIPs,
      );
      r = await fromClient(wget('db-0.db:8080'));
      assert.equal(r.stdout.trim(), 'db-0', r.stderr);
      r = await fromClient(wget('web-alias'));
      assert.ok(hostnames.includes(r.stdout.trim()), r.stdout);
      r = await fromClient('nslookup -type=srv _http._tcp.db.default.svc.cluster.local.');
      assert.match(r.stdout, /service = 0 100 8080 db-0\.db\.default\.svc\.cluster\.local/);
      r = await fromClient('nslookup nothing-here.default.svc.cluster.local.');
      assert.match(r.stdout, /NXDOMAIN/);
    },
  );

  await t.test(
    'the host reaches the ClusterIP, the NodePort and the LoadBalancer address',
    async () => {
      const seen = new Set<string>();
      for (let i = 0; i < 6; i++) seen.add(await httpGet(clusterIP, 80));
      assert.deepEqual([...seen].sort(), hostnames);

      assert.equal(
        (await kubectl(['get', 'svc', 'web-lb', '-o', 'jsonpath={.spec.ports[0].nodePort}']))
          .stdout,
        String(nodePort),
      );
      const lb = await until(
        'the LoadBalancer ingress',
        async () =>
          (
            await kubectl([
              'get',
              'svc',
              'web-lb',
              '-o',
              'jsonpath={.status.loadBalancer.ingress[0].ip} {.status.loadBalancer.ingress[0].ipMode}',
            ])
          ).stdout,
        (s) => s.includes(' Proxy'),
        30_000,
      );
      const lbIp = lb.split(' ')[0] ?? '';
      assert.ok(cidrContains(plan.loadBalancerCidr, lbIp), `${lbIp} in ${plan.loadBalancerCidr}`);
      const viaNodePort = await until(
        'the NodePort',
        () => httpGet('127.0.0.1', nodePort),
        (b) => hostnames.includes(b),
        30_000,
      );
      assert.ok(hostnames.includes(viaNodePort));
      assert.ok(hostnames.includes(await httpGet(lbIp, 80)));
      // kubectl shows the address as EXTERNAL-IP.
      r = await kubectl(['get', 'svc', 'web-lb', '--no-headers']);
      assert.match(
        r.stdout,
        new RegExp(
          `^web-lb\\s+LoadBalancer\\s+${clusterIP.replace(/\d+$/, '')}\\d+\\s+${lbIp.replace(/\./g, '\\.')}\\s+80:${nodePort}/TCP`,
        ),
      );
    },
  );

  await t.test('kubectl port-forward svc/web', async () => {
    const child = spawn(
      KUBECTL,
      ['--cache-dir', join(c.root, 'kcache'), 'port-forward', 'svc/web', ':80'],
      {
        env: c.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (b: Buffer) => {
          out += b.toString();
          const m = /Forwarding from 127\.0\.0\.1:(\d+) -> 8080/.exec(out);
          if (m) resolve(Number(m[1]));
        });
        child.on('exit', (code) =>
          reject(new Error(`port-forward exited ${String(code)}: ${out}`)),
        );
      });
      assert.ok(hostnames.includes(await httpGet('127.0.0.1', port)));
    } finally {
      child.kill();
    }
  });

  await t.test('scale to zero: connections fail at once; scale up: traffic returns', async () => {
    r = await kubectl(['scale', 'deployment/web', '--replicas=0']);
    assert.equal(r.code, 0, r.stderr);
    const failed = await until(
      'connections to the ClusterIP to be reset',
      () => connectFailure(clusterIP, 80),
      (x) => x.code === 'ECONNRESET' || x.code === 'ECONNREFUSED',
      30_000,
    );
    assert.ok(failed.ms < 500, `failed after ${failed.ms} ms`);
    const inPod = await fromClient(wget('web'));
    assert.notEqual(inPod.code, 0);
    assert.match(inPod.stdout, /Connection reset by peer|Connection refused/);

    r = await kubectl(['scale', 'deployment/web', '--replicas=2']);
    assert.equal(r.code, 0, r.stderr);
    r = await kubectl(['rollout', 'status', 'deployment/web', '--timeout=90s']);
    assert.equal(r.code, 0, r.stderr);
    const fresh = (
      await kubectl(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[*].metadata.name}'])
    ).stdout.split(' ');
    const back = await until(
      'traffic through web again',
      () => fromClient(wget('web')),
      (x) => x.code === 0 && fresh.includes(x.stdout.trim()),
      30_000,
    );
    assert.ok(fresh.includes(back.stdout.trim()));
  });

  await t.test('VIP containers go with their Service and with the cluster', async () => {
    const vips = async (): Promise<string[]> =>
      (
        await docker.listContainers({
          all: true,
          filters: { label: [`io.kbox.cluster=${c.name}`, 'io.kbox.type=service-vip'] },
        })
      )
        .map((x) => x.Labels['io.kbox.service'] ?? '')
        .sort();
    assert.deepEqual(await vips(), [
      'default/kubernetes',
      'default/web',
      'default/web-lb',
      'default/web-sticky',
      'kube-system/kube-dns',
    ]);
    r = await kubectl(['delete', 'svc', 'web-lb']);
    assert.equal(r.code, 0, r.stderr);
    await until(
      'the web-lb VIP to go',
      vips,
      (v) => v.join() === 'default/kubernetes,default/web,default/web-sticky,kube-system/kube-dns',
      20_000,
    );
    await c.delete();
    const left = await docker.listContainers({
      all: true,
      filters: { label: [`io.kbox.cluster=${c.name}`] },
    });
    assert.deepEqual(left, []);
  });
});
