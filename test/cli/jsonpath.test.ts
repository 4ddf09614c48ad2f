import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evalJsonPath } from '../../src/cli/jsonpath.js';

const list = {
  kind: 'List',
  items: [
    {
      metadata: { name: 'a', labels: { 'app.kubernetes.io/name': 'x' } },
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    },
    { metadata: { name: 'b' }, status: { conditions: [{ type: 'Ready', status: 'False' }] } },
  ],
};

test('paths, wildcards and indexes', () => {
  assert.equal(evalJsonPath('{.items[*].metadata.name}', list), 'a b');
  assert.equal(evalJsonPath('{.items[0].metadata.name}', list), 'a');
  assert.equal(evalJsonPath('{.items[-1].metadata.name}', list), 'b');
  assert.equal(evalJsonPath(".items[0].metadata.labels['app.kubernetes.io/name']", list), 'x');
  assert.equal(evalJsonPath('{.kind}', list), 'List');
  assert.equal(evalJsonPath('{.items[1].metadata}', list), '{"name":"b"}');
  assert.equal(evalJsonPath('{.nothing}', list), '');
});

test('range, literals and filters', () => {
  assert.equal(evalJsonPath('{range .items[*]}{.metadata.name}{"\\n"}{end}', list), 'a\nb\n');
  assert.equal(
    evalJsonPath(
      '{range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status};{end}',
      list,
    ),
    'a=True;b=False;',
  );
  assert.equal(evalJsonPath('name: {.items[0].metadata.name}!', list), 'name: a!');
});

test('malformed templates fail with kubectl-like messages', () => {
  assert.throws(() => evalJsonPath('{.items', list), /unclosed action/);
  assert.throws(() => evalJsonPath('{range .items[*]}x', list), /unclosed range/);
  assert.throws(() => evalJsonPath('{end}', list), /not in range/);
});
