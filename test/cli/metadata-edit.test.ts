// label/annotate argument rules and patches, with kubectl's messages.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CliError } from '../../src/cli/cluster.js';
import {
  editMetadata,
  labelVerdict,
  overwriteError,
  parseAnnotationPairs,
  parseLabelPairs,
  splitResourcesAndPairs,
} from '../../src/cli/metadata-edit.js';

test('resources come before pairs', () => {
  assert.deepEqual(splitResourcesAndPairs(['pods', 'a', 'x=1', 'y-'], 'label'), {
    resources: ['pods', 'a'],
    pairs: ['x=1', 'y-'],
  });
  assert.throws(
    () => splitResourcesAndPairs(['pods', 'x=1', 'b'], 'label'),
    new CliError('all resources must be specified before label changes: b'),
  );
});

test('label and annotation pairs', () => {
  assert.deepEqual(parseLabelPairs(['a=1', 'b-']), { set: { a: '1' }, remove: ['b'] });
  assert.throws(() => parseLabelPairs(['a=1=2']), new CliError('invalid label spec: a=1=2'));
  assert.throws(
    () => parseLabelPairs(['a=1', 'a-']),
    new CliError('can not both modify and remove a label in the same command'),
  );
  assert.throws(() => parseLabelPairs(['a=x y']), /invalid label value: "a=x y"/);
  assert.deepEqual(parseAnnotationPairs(['note=a=b c']), { set: { note: 'a=b c' }, remove: [] });
  assert.throws(
    () => parseAnnotationPairs(['n=1', 'n-']),
    new CliError(
      'can not both modify and remove the following annotation(s) in the same command: n',
    ),
  );
});

test('overwrite refusals name the current value', () => {
  assert.equal(overwriteError('labels', { a: '1' }, { a: '1' }), undefined);
  assert.equal(
    overwriteError('labels', { a: '1' }, { a: '2' }),
    "'a' already has a value (1), and --overwrite is false",
  );
  assert.equal(
    overwriteError(
      'annotations',
      { a: '1', 'kubernetes.io/change-cause': 'x' },
      {
        a: '2',
        'kubernetes.io/change-cause': 'y',
      },
    ),
    "--overwrite is false but found the following declared annotation(s): 'a' already has a value (1)",
  );
});

test('the merge patch carries only changes; the verdict follows kubectl', () => {
  const obj = { metadata: { name: 'p', labels: { a: '1', b: '2' } } };
  const e = editMetadata(obj, 'labels', { set: { a: '1', c: '3' }, remove: ['b', 'z'] });
  assert.deepEqual(e.patch, { metadata: { labels: { c: '3', b: null } } });
  assert.deepEqual(e.missing, ['z']);
  assert.equal(labelVerdict(obj, e, false), 'labeled');
  const removal = editMetadata(obj, 'labels', { set: {}, remove: ['b'] });
  assert.equal(labelVerdict(obj, removal, false), 'unlabeled');
  assert.equal(labelVerdict(obj, removal, true), 'labeled');
  const nothing = editMetadata(obj, 'labels', { set: { a: '1' }, remove: [] });
  assert.equal(nothing.changed, false);
  assert.equal(labelVerdict(obj, nothing, false), 'not labeled');
});
