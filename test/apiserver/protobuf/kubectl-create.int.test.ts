// kubectl's typed commands (create, run, expose) send protobuf bodies; the server decodes them
// into the same objects the JSON path would store.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApi, type TestApi } from '../../support/apiserver.js';

let api: TestApi;

before(async () => {
  api = await startTestApi();
});
after(() => api.stop());

test('kubectl create, run and expose work and store what they were asked for', async () => {
  const steps: Array<[string[], string]> = [
    [['create', 'namespace', 'pb'], 'namespace/pb created\n'],
    [['-n', 'pb', 'create', 'configmap', 'c1', '--from-literal=a=b'], 'configmap/c1 created\n'],
    [
      ['-n', 'pb', 'create', 'secret', 'generic', 's1', '--from-literal=pw=x'],
      'secret/s1 created\n',
    ],
    [
      [
        '-n',
        'pb',
        'create',
        'deployment',
        'web',
        '--image=nginx:1.25',
        '--port=80',
        '--replicas=0',
      ],
      'deployment.apps/web created\n',
    ],
    [
      [
        '-n',
        'pb',
        'run',
        'p1',
        '--image=busybox',
        '--labels=a=b',
        '--env=X=1',
        '--port=8080',
        '--restart=Never',
        '--',
        'sh',
        '-c',
        'echo hi',
      ],
      'pod/p1 created\n',
    ],
    [
      ['-n', 'pb', 'create', 'service', 'clusterip', 'svc1', '--tcp=80:8080'],
      'service/svc1 created\n',
    ],
    [
      ['-n', 'pb', 'create', 'job', 'j1', '--image=busybox', '--', 'echo', 'hi'],
      'job.batch/j1 created\n',
    ],
    [
      ['-n', 'pb', 'create', 'cronjob', 'cj1', '--image=busybox', '--schedule=*/5 * * * *'],
      'cronjob.batch/cj1 created\n',
    ],
    [['-n', 'pb', 'create', 'serviceaccount', 'sa1'], 'serviceaccount/sa1 created\n'],
    [
      ['-n', 'pb', 'expose', 'deployment', 'web', '--port=80', '--target-port=8080', '--name=web2'],
      'service/web2 exposed\n',
    ],
  ];
  for (const [args, want] of steps) {
    const out = await api.kubectl(args);
    assert.equal(out.stdout, want, `${args.join(' ')}: ${out.stderr}`);
  }
  const get = async (args: string[]): Promise<string> =>
    (await api.kubectl(['-n', 'pb', 'get', ...args])).stdout;
  assert.equal(
    await get([
      'deploy',
      'web',
      '-o',
      'jsonpath={.spec.replicas} {.spec.selector.matchLabels.app} {.spec.template.spec.containers[0].ports[0].containerPort}',
    ]),
    '0 web 80',
  );
  assert.equal(
    await get([
      'pod',
      'p1',
      '-o',
      'jsonpath={.metadata.labels.a} {.spec.containers[0].env[0].value} {.spec.containers[0].args} {.spec.restartPolicy}',
    ]),
    'b 1 ["sh","-c","echo hi"] Never',
  );
  assert.equal(
    Buffer.from(await get(['secret', 's1', '-o', 'jsonpath={.data.pw}']), 'base64').toString(),
    'x',
  );
  assert.equal(
    await get(['svc', 'svc1', '-o', 'jsonpath={.spec.ports[0].port}:{.spec.ports[0].targetPort}']),
    '80:8080',
  );
  assert.equal(await get(['cj', 'cj1', '-o', 'jsonpath={.spec.schedule}']), '*/5 * * * *');
});

test('kubectl auth can-i and create priorityclass send protobuf the server decodes', async () => {
  const can = await api.kubectl(['auth', 'can-i', 'create', 'pods']);
  assert.equal(can.stdout, 'yes\n', can.stderr);
  const path = await api.kubectl(['auth', 'can-i', 'get', '/healthz']);
  assert.equal(path.stdout, 'yes\n', path.stderr);
  const list = await api.kubectl(['auth', 'can-i', '--list']);
  assert.equal(
    list.stdout,
    [
      'Resources   Non-Resource URLs   Resource Names   Verbs',
      '*.*         []                  []               [*]',
      '            [*]                 []               [*]',
      '',
    ].join('\n'),
    list.stderr,
  );
  for (const args of [
    [
      'create',
      'priorityclass',
      'pb-high',
      '--value=1000',
      '--description=hi',
      '--preemption-policy=Never',
    ],
    ['create', 'priorityclass', 'pb-zero', '--value=0'],
  ]) {
    const out = await api.kubectl(args);
    assert.equal(out.stdout, `priorityclass.scheduling.k8s.io/${args[2]} created\n`, out.stderr);
  }
  const pcs = await api.kubectl([
    'get',
    'pc',
    'pb-high',
    'pb-zero',
    '-o',
    'jsonpath={range .items[*]}{.metadata.name} {.value} {.preemptionPolicy} {.description};{end}',
  ]);
  assert.equal(pcs.stdout, 'pb-high 1000 Never hi;pb-zero 0 PreemptLowerPriority ;');
});

test('kubectl drain evicts (protobuf Eviction) or deletes (protobuf DeleteOptions) the pods of a node', async () => {
  const pod = (name: string): string =>
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default' },
      spec: { nodeName: 'pb-node', containers: [{ name: 'c', image: 'busybox' }] },
    });
  const apply = async (manifest: string): Promise<void> => {
    const out = await api.kubectl(['apply', '-f', '-'], manifest);
    assert.equal(out.code, 0, out.stderr);
  };
  await apply(JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'pb-node' } }));
  await apply(pod('pb-a'));
  const evicted = await api.kubectl([
    'drain',
    'pb-node',
    '--force',
    '--grace-period=0',
    '--timeout=20s',
  ]);
  assert.equal(evicted.code, 0, evicted.stderr);
  assert.equal(
    evicted.stdout,
    'node/pb-node cordoned\nevicting pod default/pb-a\npod/pb-a evicted\nnode/pb-node drained\n',
  );
  assert.equal(evicted.stderr, 'Warning: deleting Pods that declare no controller: default/pb-a\n');
  assert.equal((await api.kubectl(['uncordon', 'pb-node'])).stdout, 'node/pb-node uncordoned\n');
  await apply(pod('pb-b'));
  const deleted = await api.kubectl([
    'drain',
    'pb-node',
    '--force',
    '--disable-eviction',
    '--grace-period=0',
    '--timeout=20s',
  ]);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.equal(deleted.stdout, 'node/pb-node cordoned\npod/pb-b deleted\nnode/pb-node drained\n');
  assert.equal(deleted.stderr, 'Warning: deleting Pods that declare no controller: default/pb-b\n');
  const left = await api.kubectl(['get', 'pods', 'pb-a', 'pb-b', '--ignore-not-found']);
  assert.equal(left.stdout, '');
});
