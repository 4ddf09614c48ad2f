// In-cluster API access on a real cluster: the `kubernetes` Service (first ClusterIP, 443 → the
// API server on the network gateway), a pod's projected service account token, CA and namespace,
// the KUBERNETES_SERVICE_* variables, and the real kubectl inside a pod using its in-cluster
// config (token, CA verification of the serving certificate for the ClusterIP) to list pods.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { clusterNetwork } from '../../src/api/cluster-network.js';
import { hasImage, importRootfs, type RootfsEntry } from '../../src/images/image-import.js';
import { KUBECTL } from '../support/apiserver.js';
import { findStaticBusybox } from '../support/busybox-image.js';
import { dockerOrSkip, TEST_LABEL } from '../support/docker.js';
import { e2eCluster, until } from '../support/e2e-cluster.js';
import type Docker from 'dockerode';

const c = e2eCluster('incluster');
const { kbox, kubectl } = c;
const KUBECTL_IMAGE = 'kbox.test/kubectl:local';

after(() => c.delete());

/** The busybox test image plus the host's static kubectl at /bin/kubectl, imported offline. */
async function ensureKubectlImage(docker: Docker): Promise<void> {
  if (await hasImage(docker, KUBECTL_IMAGE)) return;
  const busybox = findStaticBusybox().bytes;
  const entries: RootfsEntry[] = [
    { type: 'dir', path: 'bin' },
    { type: 'dir', path: 'tmp', mode: 0o1777 },
    { type: 'file', path: 'bin/busybox', content: busybox, mode: 0o755 },
    ...['sh', 'cat', 'ls', 'grep', 'echo', 'head'].map((a): RootfsEntry => ({
      type: 'symlink',
      path: `bin/${a}`,
      target: 'busybox',
    })),
    { type: 'file', path: 'bin/kubectl', content: readFileSync(KUBECTL), mode: 0o755 },
  ];
  const [repo, tag] = KUBECTL_IMAGE.split(':') as [string, string];
  await importRootfs(docker, entries, {
    repo,
    tag,
    changes: [`LABEL ${TEST_LABEL}=true`, 'ENV PATH=/bin', 'ENV HOME=/tmp'],
  });
}

const SA = '/var/run/secrets/kubernetes.io/serviceaccount';
const script = [
  `ls ${SA}`,
  `echo "namespace=$(cat ${SA}/namespace)"`,
  'echo "service=$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT $KUBERNETES_PORT_443_TCP"',
  `grep -c "BEGIN CERTIFICATE" ${SA}/ca.crt`,
  // busybox wget cannot: its TLS fails the handshake with the API server's ECDSA certificate.
  // By the Service's DNS name, with the mounted token and CA given explicitly.
  `kubectl --server=https://kubernetes.default.svc --token="$(cat ${SA}/token)" --certificate-authority=${SA}/ca.crt get --raw /api/v1/namespaces/default/pods | grep -o '"name":"api-client"' | head -1`,
  // The in-cluster config: KUBERNETES_SERVICE_HOST/PORT, the token and the CA.
  'kubectl get pods -o name',
  'kubectl get serviceaccounts',
  "kubectl auth whoami -o jsonpath='{.status.userInfo.username} {.status.userInfo.groups}'",
].join(' && ');

test('a pod reaches the API server through the kubernetes Service with its own token', async (t) => {
  const docker = await dockerOrSkip(t);
  if (!docker) return;
  await ensureKubectlImage(docker);
  let r = await kbox(['cluster', 'start', '--name', c.name]);
  assert.equal(r.code, 0, r.stderr);
  const config = JSON.parse(
    readFileSync(join(c.env.KBOX_HOME ?? '', c.name, 'cluster.json'), 'utf8'),
  ) as { subnet: string; port: number };
  const plan = clusterNetwork(config.subnet);
  const apiPort = new URL(
    (await kubectl(['config', 'view', '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}']))
      .stdout,
  ).port;

  // The daemon writes the Service once the cluster network (and the listener on its gateway) is up.
  r = await until(
    'the kubernetes Service, Endpoints and EndpointSlice',
    () =>
      kubectl([
        'get',
        'svc,endpoints,endpointslice',
        'kubernetes',
        '-o',
        'jsonpath={range .items[*]}{.kind} {.spec.clusterIP} {.spec.ports} {.subsets} {.endpoints[*].addresses} {.metadata.labels}{"\\n"}{end}',
      ]),
    (x) => x.code === 0,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    `Service ${plan.apiServerIp} [{"name":"https","port":443,"protocol":"TCP","targetPort":${apiPort}}]   {"component":"apiserver","provider":"kubernetes"}\n` +
      `Endpoints   [{"addresses":[{"ip":"${plan.gateway}"}],"ports":[{"name":"https","port":${apiPort},"protocol":"TCP"}]}]  {"endpointslice.kubernetes.io/skip-mirror":"true"}\n` +
      `EndpointSlice    ["${plan.gateway}"] {"kubernetes.io/service-name":"kubernetes"}\n`,
  );

  r = await kubectl(
    ['apply', '-f', '-'],
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'api-client' },
      spec: {
        restartPolicy: 'Never',
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: 'c',
            image: KUBECTL_IMAGE,
            imagePullPolicy: 'Never',
            command: ['sh', '-c', script],
          },
        ],
      },
    }),
  );
  assert.equal(r.stdout, 'pod/api-client created\n', r.stderr);
  r = await kubectl([
    'get',
    'pod',
    'api-client',
    '-o',
    'jsonpath={.spec.serviceAccountName} {.spec.volumes[0].name} {.spec.containers[0].volumeMounts[0].mountPath}',
  ]);
  assert.match(
    r.stdout,
    /^default kube-api-access-[a-z0-9]{5} \/var\/run\/secrets\/kubernetes.io\/serviceaccount$/,
  );
  r = await kubectl([
    'wait',
    '--for=jsonpath={.status.phase}=Succeeded',
    'pod/api-client',
    '--timeout=120s',
  ]);
  const logs = await kubectl(['logs', 'api-client']);
  assert.equal(
    r.code,
    0,
    `${r.stderr}\n${logs.stdout}${logs.stderr}\n${await c.diagnose('pod/api-client')}`,
  );
  const lines = logs.stdout.split('\n');
  assert.deepEqual(lines.slice(0, 8), [
    'ca.crt',
    'namespace',
    'token',
    'namespace=default',
    `service=${plan.apiServerIp}:443 tcp://${plan.apiServerIp}:443`,
    '1',
    '"name":"api-client"',
    'pod/api-client',
  ]);
  assert.equal(lines[8]?.replace(/\s+/g, ' '), 'NAME SECRETS AGE');
  assert.match(lines[9] ?? '', /^default\s+0\s+\d+s$/);
  assert.equal(
    lines[10],
    'system:serviceaccount:default:default ["system:serviceaccounts","system:serviceaccounts:default","system:authenticated"]',
  );
  assert.equal(lines.length, 11);
});
