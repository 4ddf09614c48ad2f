// kbox api-resources against a real API server, byte for byte against kubectl 1.32.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApi, type TestApi } from '../support/apiserver.js';
import { runKbox } from '../support/kbox-cli.js';
import { KubeClient } from '../../src/client/rest.js';
import { discover, type ApiResource } from '../../src/cli/resources.js';

let api: TestApi;

before(async () => {
  api = await startTestApi();
});
after(() => api.stop());

const variants: string[][] = [
  ['api-resources'],
  ['api-resources', '-o', 'wide'],
  ['api-resources', '-o', 'name'],
  ['api-resources', '--namespaced=false'],
  ['api-resources', '--namespaced=true', '--api-group=apps', '--no-headers'],
  ['api-resources', '--api-group='],
  ['api-resources', '--sort-by=kind', '--verbs=list,watch'],
  ['api-resources', '--api-group=nothing.example'],
];

for (const args of variants) {
  test(`kbox ${args.join(' ')} prints what kubectl prints`, async () => {
    const [mine, theirs] = await Promise.all([runKbox(api.kubeconfig, args), api.kubectl(args)]);
    assert.equal(theirs.code, 0, theirs.stderr);
    assert.equal(mine.stderr, theirs.stderr);
    assert.equal(mine.stdout, theirs.stdout);
    assert.equal(mine.code, 0);
  });
}

test('api-resources lists the preferred resources with kubectl columns', async () => {
  const out = await runKbox(api.kubeconfig, ['api-resources', '--api-group=apps']);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(
    out.stdout,
    [
      'NAME                  SHORTNAMES   APIVERSION   NAMESPACED   KIND',
      'controllerrevisions                apps/v1      true         ControllerRevision',
      'daemonsets            ds           apps/v1      true         DaemonSet',
      'deployments           deploy       apps/v1      true         Deployment',
      'replicasets           rs           apps/v1      true         ReplicaSet',
      'statefulsets          sts          apps/v1      true         StatefulSet',
      '',
    ].join('\n'),
  );
});

test('discovery reads the aggregated documents, and finds the same resources without them', async () => {
  const client = new KubeClient({ server: api.url });
  const paths: string[] = [];
  /** The client, recording the paths it asks for; `legacy` drops Accept, as an older server would ignore it. */
  const spy = (legacy: boolean): KubeClient =>
    ({
      call: (method: string, path: string, body?: unknown, type?: string, accept?: string) => {
        paths.push(path);
        return client.call(method, path, body, type, legacy ? undefined : accept);
      },
    }) as unknown as KubeClient;
  try {
    const aggregated = await discover(spy(false));
    assert.deepEqual(paths.sort(), ['/api', '/apis']);
    paths.length = 0;
    const legacy = await discover(spy(true));
    assert.ok(paths.includes('/api/v1') && paths.includes('/apis/apps/v1'), paths.join(' '));
    const key = (r: ApiResource): string => `${r.group}/${r.version}/${r.resource}`;
    const sorted = (rs: ApiResource[]): ApiResource[] =>
      [...rs].sort((a, b) => (key(a) < key(b) ? -1 : 1));
    assert.deepEqual(sorted(aggregated), sorted(legacy));
    assert.deepEqual(
      aggregated.find((r) => r.resource === 'deployments'),
      {
        group: 'apps',
        version: 'v1',
        resource: 'deployments',
        namespaced: true,
        kind: 'Deployment',
        singular: 'deployment',
        shortNames: ['deploy'],
        categories: ['all'],
        verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
      },
    );
  } finally {
    await client.close();
  }
});
