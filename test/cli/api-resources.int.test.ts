// kbox api-resources against a real API server, byte for byte against kubectl 1.32.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApi, type TestApi } from '../support/apiserver.js';
import { runKbox } from '../support/kbox-cli.js';

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
