// The real kubectl 1.32 against kbox's OpenAPI v3 documents: `kubectl explain` walks the
// generated schemas, and `kubectl apply` leaves validation to the server (fieldValidation=Strict)
// and fails on an unknown field exactly as against a real cluster.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startTestApi, type TestApi } from '../support/apiserver.js';

let api: TestApi;
let dir: string;

before(async () => {
  api = await startTestApi();
  dir = mkdtempSync(join(tmpdir(), 'kbox-explain-'));
});
after(async () => {
  await api.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The `name<TAB><type>` lines of explain's FIELDS section (descriptions vary by version). */
function fieldLines(out: string): string[] {
  return out.split('\n').filter((l) => /^ {2}\S+\t</.test(l));
}

test('explain pod.spec.containers.ports lists the fields with upstream types', async () => {
  const out = await api.kubectl(['explain', 'pod.spec.containers.ports']);
  assert.equal(out.code, 0, out.stderr);
  assert.ok(
    out.stdout.startsWith('KIND:       Pod\nVERSION:    v1\n\nFIELD: ports <[]ContainerPort>\n'),
  );
  assert.match(out.stdout, /\nDESCRIPTION:\n {4}List of ports to expose from the container\./);
  assert.deepEqual(fieldLines(out.stdout), [
    '  containerPort\t<integer> -required-',
    '  hostIP\t<string>',
    '  hostPort\t<integer>',
    '  name\t<string>',
    '  protocol\t<string>',
  ]);
});

test('explain names referenced types, maps and int-or-string fields as upstream does', async () => {
  let out = await api.kubectl(['explain', 'deployment.spec.strategy.rollingUpdate']);
  assert.equal(out.code, 0, out.stderr);
  assert.ok(out.stdout.startsWith('GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n'));
  assert.deepEqual(fieldLines(out.stdout), [
    '  maxSurge\t<IntOrString>',
    '  maxUnavailable\t<IntOrString>',
  ]);
  out = await api.kubectl(['explain', 'pod.spec.containers.resources']);
  assert.deepEqual(fieldLines(out.stdout), [
    '  claims\t<[]ResourceClaim>',
    '  limits\t<map[string]Quantity>',
    '  requests\t<map[string]Quantity>',
  ]);
  out = await api.kubectl(['explain', 'pods']);
  assert.deepEqual(fieldLines(out.stdout), [
    '  apiVersion\t<string>',
    '  kind\t<string>',
    '  metadata\t<ObjectMeta>',
    '  spec\t<PodSpec>',
    '  status\t<PodStatus>',
  ]);
  out = await api.kubectl(['explain', 'svc.spec.nope']);
  assert.equal(out.code, 1);
  assert.equal(out.stderr, 'error: field "nope" does not exist\n');
});

// Kubernetes 1.32's fields, as kubectl 1.32 expects from a 1.32 server; 1.33's are not there.
test('explain shows 1.31 and 1.32 fields and not 1.33 ones', async () => {
  let out = await api.kubectl(['explain', 'pod.spec.resources']);
  assert.equal(out.code, 0, out.stderr);
  assert.ok(
    out.stdout.startsWith(
      'KIND:       Pod\nVERSION:    v1\n\nFIELD: resources <ResourceRequirements>\n',
    ),
    out.stdout,
  );
  assert.deepEqual(fieldLines(out.stdout), [
    '  claims\t<[]ResourceClaim>',
    '  limits\t<map[string]Quantity>',
    '  requests\t<map[string]Quantity>',
  ]);
  out = await api.kubectl(['explain', 'pod.spec.securityContext.supplementalGroupsPolicy']);
  assert.equal(out.code, 0, out.stderr);
  assert.ok(
    out.stdout.startsWith(
      'KIND:       Pod\nVERSION:    v1\n\nFIELD: supplementalGroupsPolicy <string>\n',
    ),
    out.stdout,
  );
  assert.match(
    out.stdout,
    /\nDESCRIPTION:\n {4}Defines how supplemental groups of the first container processes are\n/,
  );
  out = await api.kubectl(['explain', 'pod.spec.containers.lifecycle.stopSignal']);
  assert.equal(out.code, 1);
  assert.equal(out.stderr, 'error: field "stopSignal" does not exist\n');
});

test('explain --recursive follows references and stops at FieldsV1', async () => {
  const out = await api.kubectl(['explain', 'cronjob.spec.jobTemplate.metadata', '--recursive']);
  assert.equal(out.code, 0, out.stderr);
  assert.match(
    out.stdout,
    /\n {2}managedFields\t<\[\]ManagedFieldsEntry>\n {4}apiVersion\t<string>\n/,
  );
  assert.match(out.stdout, /\n {4}fieldsV1\t<FieldsV1>\n/);
  assert.match(
    out.stdout,
    /\n {2}ownerReferences\t<\[\]OwnerReference>\n {4}apiVersion\t<string> -required-\n/,
  );
});

const BAD = `apiVersion: v1
kind: Pod
metadata:
  name: bad
spec:
  containers:
  - name: c
    image: busybox
    foo: 1
`;

test('apply with an unknown field fails server-side; --validate=warn and =false go through', async () => {
  const file = join(dir, 'bad.yaml');
  writeFileSync(file, BAD);
  let out = await api.kubectl(['apply', '-f', file]);
  assert.equal(out.code, 1);
  assert.equal(
    out.stderr,
    `Error from server (BadRequest): error when creating "${file}": Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[0].foo"\n`,
  );
  out = await api.kubectl(['apply', '-f', file, '--validate=warn']);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout, 'pod/bad created\n');
  assert.equal(out.stderr, 'Warning: unknown field "spec.containers[0].foo"\n');
  assert.equal((await api.kubectl(['delete', 'pod', 'bad'])).code, 0);
  out = await api.kubectl(['apply', '-f', file, '--validate=false']);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stderr, '');
  out = await api.kubectl([
    'get',
    'pod',
    'bad',
    '-o',
    'jsonpath={.spec.containers[0].foo}|{.spec.containers[0].image}',
  ]);
  assert.equal(out.stdout, '|busybox');
  out = await api.kubectl(['apply', '--server-side', '-f', file]);
  assert.equal(out.code, 1);
  assert.equal(
    out.stderr,
    'Error from server: failed to create typed patch object (default/bad; /v1, Kind=Pod): .spec.containers[name="c"].foo: field not declared in schema\n',
  );
});

test('apply (fieldValidation=Strict) takes a 1.32 field and refuses a 1.33 one', async () => {
  const file = join(dir, 'newer.yaml');
  writeFileSync(
    file,
    'apiVersion: v1\nkind: Pod\nmetadata:\n  name: newer\nspec:\n  resources:\n    limits:\n      cpu: 250m\n  containers:\n  - name: c\n    image: busybox\n',
  );
  let out = await api.kubectl(['apply', '-f', file]);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stderr, '');
  assert.equal(out.stdout, 'pod/newer created\n');
  out = await api.kubectl(['get', 'pod', 'newer', '-o', 'jsonpath={.spec.resources.limits.cpu}']);
  assert.equal(out.stdout, '250m');
  assert.equal((await api.kubectl(['delete', 'pod', 'newer'])).code, 0);

  writeFileSync(
    file,
    'apiVersion: v1\nkind: Pod\nmetadata:\n  name: later\nspec:\n  containers:\n  - name: c\n    image: busybox\n    lifecycle:\n      stopSignal: SIGUSR1\n',
  );
  out = await api.kubectl(['apply', '-f', file]);
  assert.equal(out.code, 1);
  assert.equal(
    out.stderr,
    `Error from server (BadRequest): error when creating "${file}": Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[0].lifecycle.stopSignal"\n`,
  );
});

// kubectl decodes a manifest leniently and sends JSON: a key repeated in the file never reaches
// the server, and the last value wins, client-side and server-side apply alike (as upstream).
test('apply of a manifest with a repeated key keeps its last value', async () => {
  const file = join(dir, 'dup.yaml');
  writeFileSync(
    file,
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dup\ndata:\n  a: "1"\n  a: "2"\n',
  );
  for (const args of [
    ['apply', '-f', file],
    ['apply', '--server-side', '-f', file],
  ]) {
    const out = await api.kubectl(args);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stderr, '');
    const got = await api.kubectl(['get', 'configmap', 'dup', '-o', 'jsonpath={.data}']);
    assert.equal(got.stdout, '{"a":"2"}');
    assert.equal((await api.kubectl(['delete', 'configmap', 'dup'])).code, 0);
  }
});
