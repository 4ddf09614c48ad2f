// PriorityClasses and the Priority admission plugin against a real API server, with kubectl's
// table and errors.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApi, type TestApi } from '../support/apiserver.js';

let api: TestApi;

before(async () => {
  api = await startTestApi();
});

after(async () => {
  await api.stop();
});

const PCS = '/apis/scheduling.k8s.io/v1/priorityclasses';
const PODS = '/api/v1/namespaces/default/pods';

async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

function pod(name: string, spec: Record<string, unknown> = {}): unknown {
  return { metadata: { name }, spec: { containers: [{ name: 'c', image: 'x' }], ...spec } };
}

test('the system classes exist from the start and cannot be deleted', async () => {
  const out = await api.kubectl(['get', 'priorityclasses']);
  assert.equal(out.code, 0, out.stderr);
  const lines = out.stdout.trim().split('\n');
  assert.match(lines[0] ?? '', /^NAME\s+VALUE\s+GLOBAL-DEFAULT\s+AGE\s+PREEMPTIONPOLICY$/);
  assert.match(
    lines[1] ?? '',
    /^system-cluster-critical\s+2000000000\s+false\s+\S+\s+PreemptLowerPriority$/,
  );
  assert.match(
    lines[2] ?? '',
    /^system-node-critical\s+2000001000\s+false\s+\S+\s+PreemptLowerPriority$/,
  );
  const del = await api.kubectl(['delete', 'pc', 'system-node-critical']);
  assert.notEqual(del.code, 0);
  assert.equal(
    del.stderr.trim(),
    'Error from server (Forbidden): priorityclasses.scheduling.k8s.io "system-node-critical" is forbidden: this is a system priority class and cannot be deleted',
  );
});

test('api-resources lists priorityclasses', async () => {
  const out = await api.kubectl(['api-resources', '--api-group=scheduling.k8s.io', '--no-headers']);
  assert.equal(out.code, 0, out.stderr);
  assert.match(
    out.stdout,
    /^priorityclasses\s+pc\s+scheduling\.k8s\.io\/v1\s+false\s+PriorityClass\s*$/m,
  );
});

test('validation: value range, reserved names, immutability, one global default', async () => {
  const create = (body: unknown) => api.request('POST', PCS, body);
  let res = await create({ metadata: { name: 'too-high' }, value: 1_000_000_001 });
  assert.equal(res.status, 422);
  assert.equal(
    (await json(res)).message,
    'PriorityClass.scheduling.k8s.io "too-high" is invalid: value: Forbidden: maximum allowed value of a user defined priority is 1000000000',
  );
  res = await create({ metadata: { name: 'system-mine' }, value: 10 });
  assert.equal(res.status, 422);
  assert.equal(
    (await json(res)).message,
    'PriorityClass.scheduling.k8s.io "system-mine" is invalid: metadata.name: Forbidden: priority class names with \'system-\' prefix are reserved for system use only. error: system-mine is not a known system priority class',
  );
  res = await create({ metadata: { name: 'odd' }, value: 1, preemptionPolicy: 'Sometimes' });
  assert.equal(res.status, 422);
  assert.match(
    String((await json(res)).message),
    /preemptionPolicy: Unsupported value: "Sometimes": supported values: "Never", "PreemptLowerPriority"/,
  );

  res = await create({ metadata: { name: 'low' }, value: 10, globalDefault: true });
  assert.equal(res.status, 201);
  const low = await json(res);
  assert.equal(low.preemptionPolicy, 'PreemptLowerPriority');
  res = await create({ metadata: { name: 'high' }, value: 1000, globalDefault: true });
  assert.equal(res.status, 403);
  assert.equal(
    (await json(res)).message,
    'priorityclasses.scheduling.k8s.io "high" is forbidden: PriorityClass low is already marked as default. Only one default can exist',
  );
  res = await create({ metadata: { name: 'high' }, value: 1000, preemptionPolicy: 'Never' });
  assert.equal(res.status, 201);

  res = await api.request('PATCH', `${PCS}/high`, { value: 7 }, 'application/merge-patch+json');
  assert.equal(res.status, 422);
  assert.equal(
    (await json(res)).message,
    'PriorityClass.scheduling.k8s.io "high" is invalid: value: Forbidden: may not be changed in an update.',
  );
  res = await api.request(
    'PATCH',
    `${PCS}/high`,
    { globalDefault: true },
    'application/merge-patch+json',
  );
  assert.equal(res.status, 403);
  res = await api.request(
    'PATCH',
    `${PCS}/low`,
    { description: 'd' },
    'application/merge-patch+json',
  );
  assert.equal(res.status, 200);
});

test('Priority admission resolves classes and the global default on pod create', async () => {
  // `low` (10) is the global default from the previous test; `high` is 1000, Never.
  let res = await api.request('POST', PODS, pod('plain'));
  assert.equal(res.status, 201);
  let spec = (await json(res)).spec as Record<string, unknown>;
  assert.equal(spec.priorityClassName, 'low');
  assert.equal(spec.priority, 10);
  assert.equal(spec.preemptionPolicy, 'PreemptLowerPriority');

  res = await api.request('POST', PODS, pod('vip', { priorityClassName: 'high' }));
  assert.equal(res.status, 201);
  spec = (await json(res)).spec as Record<string, unknown>;
  assert.equal(spec.priority, 1000);
  assert.equal(spec.preemptionPolicy, 'Never');

  res = await api.request('POST', PODS, pod('crit', { priorityClassName: 'system-node-critical' }));
  assert.equal(((await json(res)).spec as Record<string, unknown>).priority, 2000001000);

  const out = await api.kubectl([
    'run',
    'ghost',
    '--image=x',
    '--overrides={"spec":{"priorityClassName":"nope"}}',
  ]);
  assert.notEqual(out.code, 0);
  assert.equal(
    out.stderr.trim(),
    'Error from server (Forbidden): pods "ghost" is forbidden: no PriorityClass with name nope was found',
  );

  res = await api.request('POST', PODS, pod('cheat', { priorityClassName: 'high', priority: 5 }));
  assert.equal(res.status, 403);
  assert.equal(
    (await json(res)).message,
    'pods "cheat" is forbidden: the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 1000 from the given PriorityClass name',
  );

  // The priority cannot change afterwards.
  res = await api.request(
    'PATCH',
    `${PODS}/vip`,
    { spec: { priority: 1 } },
    'application/merge-patch+json',
  );
  assert.equal(res.status, 422);

  // Without any default class a pod gets priority 0.
  res = await api.request('DELETE', `${PCS}/low`);
  assert.equal(res.status, 200);
  res = await api.request('POST', PODS, pod('zero'));
  spec = (await json(res)).spec as Record<string, unknown>;
  assert.equal(spec.priority, 0);
  assert.equal(spec.priorityClassName, undefined);
  assert.equal(spec.preemptionPolicy, 'PreemptLowerPriority');
});
