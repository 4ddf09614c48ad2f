// kbox create against a real API server, compared with kubectl 1.32: the generated objects
// (client dry run, JSON and YAML), server-side creation, and create -f with its per-object errors.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startTestApi, type TestApi } from '../support/apiserver.js';
import { runKbox, type CliResult } from '../support/kbox-cli.js';

let api: TestApi;
let dir: string;

before(async () => {
  api = await startTestApi();
  for (const ns of ['k', 'b']) {
    const res = await api.request('POST', '/api/v1/namespaces', { metadata: { name: ns } });
    assert.equal(res.status, 201);
  }
  dir = mkdtempSync(join(tmpdir(), 'kbox-create-'));
  mkdirSync(join(dir, 'conf'));
  writeFileSync(join(dir, 'conf', 'app.properties'), 'mode=fast\n');
  writeFileSync(join(dir, 'conf', 'blob'), Buffer.from([0xff, 0xfe, 0x00]));
  writeFileSync(join(dir, 'app.env'), '# settings\nLEVEL=3\nNAME=two words\n');
  writeFileSync(
    join(dir, 'objects.yaml'),
    `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  k: v
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: c, image: busybox}]}
`,
  );
});
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await api.stop();
});

async function same(args: string[], kbNamespace = true): Promise<CliResult> {
  const theirs = await api.kubectl(kbNamespace ? ['-n', 'k', ...args] : args);
  const mine = await runKbox(api.kubeconfig, kbNamespace ? [...args, '-n', 'b'] : args);
  assert.deepEqual(mine, theirs, `kbox ${args.join(' ')}`);
  return mine;
}

test('client dry runs print the object kubectl generates, as JSON and as YAML', async () => {
  const cases = [
    ['create', 'deployment', 'web', '--image=nginx:1.27', '--port=80', '--replicas=2'],
    [
      'create',
      'deployment',
      'multi',
      '--image=busybox',
      '--image=registry.example/tools/curl@sha256:0123',
    ],
    ['create', 'namespace', 'team-a'],
    [
      'create',
      'configmap',
      'app',
      '--from-literal=mode=prod',
      '--from-literal=flag=yes',
      `--from-file=${join(dir, 'conf')}`,
    ],
    ['create', 'configmap', 'envs', `--from-env-file=${join(dir, 'app.env')}`],
    ['create', 'configmap', 'one', `--from-file=main.conf=${join(dir, 'conf', 'app.properties')}`],
    [
      'create',
      'secret',
      'generic',
      'db',
      '--from-literal=password=s3cr=t',
      `--from-file=${join(dir, 'conf', 'blob')}`,
    ],
    ['create', 'secret', 'generic', 'typed', '--from-literal=a=1', '--type=example.com/custom'],
  ];
  for (const args of cases)
    for (const output of ['json', 'yaml']) {
      const out = await same([...args, '--dry-run=client', '-o', output], false);
      assert.equal(out.code, 0, `${args.join(' ')}: ${out.stderr}`);
      assert.ok(out.stdout.length > 50);
    }
  // And the plain message, with the namespace kubectl puts into the object when -n is given.
  assert.deepEqual(
    await same(['create', 'deployment', 'web', '--image=nginx', '--dry-run=client']),
    { stdout: 'deployment.apps/web created (dry run)\n', stderr: '', code: 0 },
  );
});

test('create makes the objects kubectl makes, and reports AlreadyExists like kubectl', async () => {
  const creates: Array<[string[], string]> = [
    [
      ['create', 'deployment', 'web', '--image=nginx', '--replicas=3', '--port=8080'],
      'deployment.apps/web created\n',
    ],
    [
      [
        'create',
        'configmap',
        'app',
        '--from-literal=a=1',
        `--from-env-file=${join(dir, 'app.env')}`,
      ],
      '',
    ],
    [['create', 'configmap', 'app', `--from-file=${join(dir, 'conf')}`], 'configmap/app created\n'],
    [['create', 'secret', 'generic', 'db', '--from-literal=user=admin'], 'secret/db created\n'],
    [
      ['create', 'deployment', 'dry', '--image=nginx', '--dry-run=server'],
      'deployment.apps/dry created (server dry run)\n',
    ],
  ];
  for (const [args, stdout] of creates) {
    const out = await same(args);
    if (stdout === '')
      assert.deepEqual(out, {
        stdout: '',
        stderr: 'error: from-env-file cannot be combined with from-file or from-literal\n',
        code: 1,
      });
    else assert.deepEqual(out, { stdout, stderr: '', code: 0 });
  }
  assert.deepEqual(await same(['create', 'deployment', 'web', '--image=nginx']), {
    stdout: '',
    stderr: 'error: failed to create deployment: deployments.apps "web" already exists\n',
    code: 1,
  });
  for (const path of [
    'apis/apps/v1/namespaces/NS/deployments/web',
    'api/v1/namespaces/NS/configmaps/app',
    'api/v1/namespaces/NS/secrets/db',
  ]) {
    const [k, b] = await Promise.all(
      ['k', 'b'].map(async (ns) => {
        const res = await api.request('GET', `/${path.replace('NS', ns)}`);
        assert.equal(res.status, 200, path);
        const o = (await res.json()) as Record<string, unknown> & {
          metadata: Record<string, unknown>;
        };
        const { spec, data, binaryData, type } = o;
        return { spec, data, binaryData, type, labels: o.metadata.labels };
      }),
    );
    assert.deepEqual(b, k, path);
  }
  const dry = await api.request('GET', '/apis/apps/v1/namespaces/b/deployments/dry');
  assert.equal(dry.status, 404);
});

test('create namespace, and -o name / -o yaml of what the server returned', async () => {
  let out = await runKbox(api.kubeconfig, ['create', 'namespace', 'team-b']);
  assert.deepEqual(out, { stdout: 'namespace/team-b created\n', stderr: '', code: 0 });
  out = await runKbox(api.kubeconfig, ['create', 'ns', 'team-c', '-o', 'name']);
  assert.deepEqual(out, {
    stdout: 'namespace/team-c\n',
    stderr: '',
    code: 0,
  });
  out = await runKbox(api.kubeconfig, [
    'create',
    'configmap',
    'shown',
    '--from-literal=x=1',
    '-o',
    'yaml',
    '-n',
    'b',
  ]);
  assert.equal(out.code, 0, out.stderr);
  assert.match(
    out.stdout,
    /^apiVersion: v1\ndata:\n {2}x: "1"\nkind: ConfigMap\nmetadata:\n {2}creationTimestamp: "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"\n {2}name: shown\n {2}namespace: b\n {2}resourceVersion: "\d+"\n {2}uid: [0-9a-f-]{36}\n$/,
  );
});

test('create -f creates each object and reports failures per object, like kubectl', async () => {
  const file = join(dir, 'objects.yaml');
  assert.deepEqual(await same(['create', '-f', file]), {
    stdout: 'configmap/settings created\ndeployment.apps/api created\n',
    stderr: '',
    code: 0,
  });
  assert.deepEqual(await same(['create', '-f', file]), {
    stdout: '',
    stderr: `Error from server (AlreadyExists): error when creating "${file}": configmaps "settings" already exists\nError from server (AlreadyExists): error when creating "${file}": deployments.apps "api" already exists\n`,
    code: 1,
  });
  assert.deepEqual(await same(['create', '-f', file, '--dry-run=client']), {
    stdout: 'configmap/settings created (dry run)\ndeployment.apps/api created (dry run)\n',
    stderr: '',
    code: 0,
  });
  const empty = join(dir, 'empty.yaml');
  writeFileSync(empty, '');
  assert.deepEqual(await same(['create', '-f', empty]), {
    stdout: '',
    stderr: 'error: no objects passed to create\n',
    code: 1,
  });
});

test('get -o yaml prints objects and lists as kubectl prints them', async () => {
  for (const args of [
    ['get', 'deployment', 'web', '-n', 'b', '-o', 'yaml'],
    ['get', 'configmaps', '-n', 'b', '-o', 'yaml'],
  ]) {
    const [mine, theirs] = await Promise.all([runKbox(api.kubeconfig, args), api.kubectl(args)]);
    assert.equal(theirs.code, 0, theirs.stderr);
    assert.deepEqual(mine, theirs, args.join(' '));
  }
});
