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
