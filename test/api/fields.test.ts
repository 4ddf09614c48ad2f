import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  escapeFieldValue,
  FieldSelector,
  parseFieldSelector,
  selectableFields,
  supportedFieldLabels,
  unescapeFieldValue,
  validateFieldSelector,
} from '../../src/api/fields.js';
import { isStatusError } from '../../src/api/status.js';
import type { KubeObject } from '../../src/api/types.js';

function rejects(fn: () => unknown, message: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isStatusError(err, 'BadRequest'), `not a BadRequest: ${String(err)}`);
    assert.equal(err.code, 400);
    assert.equal(err.message, message);
    return true;
  });
}

test('parses terms, sorts them and prints them back', () => {
  const s = parseFieldSelector('status.phase!=Running,metadata.name=foo');
  assert.deepEqual(s.requirements, [
    { field: 'metadata.name', operator: '=', value: 'foo' },
    { field: 'status.phase', operator: '!=', value: 'Running' },
  ]);
  assert.equal(s.toString(), 'metadata.name=foo,status.phase!=Running');
  assert.equal(parseFieldSelector('a==b').toString(), 'a=b');
  assert.equal(parseFieldSelector(',,a=b,').toString(), 'a=b');
  assert.equal(parseFieldSelector('a=').toString(), 'a=');
  assert.equal(parseFieldSelector(' a = b ').requirements[0]?.field, ' a ', 'no trimming');
});

test('empty selectors', () => {
  for (const input of ['', ',', '=', '=,,']) {
    const s = parseFieldSelector(input);
    assert.equal(s.isEmpty(), true, input);
    assert.equal(s.toString(), '');
    assert.equal(s.matches({}), true);
  }
  assert.equal(FieldSelector.everything().isEmpty(), true);
});

test('escapes in values', () => {
  const s = parseFieldSelector('a=x\\,y\\=z\\\\w,b=c');
  assert.deepEqual(s.requirements, [
    { field: 'a', operator: '=', value: 'x,y=z\\w' },
    { field: 'b', operator: '=', value: 'c' },
  ]);
  assert.equal(s.toString(), 'a=x\\,y\\=z\\\\w,b=c');
  assert.equal(escapeFieldValue('a\\b,c=d'), 'a\\\\b\\,c\\=d');
  assert.equal(unescapeFieldValue('a\\\\b\\,c\\=d'), 'a\\b,c=d');
});

test('parse errors use upstream texts', () => {
  rejects(() => parseFieldSelector('abc'), "invalid selector: 'abc'; can't understand 'abc'");
  rejects(
    () => parseFieldSelector('a=b,nope'),
    "invalid selector: 'a=b,nope'; can't understand 'nope'",
  );
  rejects(
    () => parseFieldSelector('a=b=c'),
    'invalid field selector: unescaped character in value: 61',
  );
  rejects(
    () => parseFieldSelector('a=b\\x'),
    'invalid field selector: invalid escape sequence: \\x',
  );
  rejects(() => parseFieldSelector('a=b\\'), 'invalid field selector: invalid escape sequence: \\');
});

test('matching treats absent fields as empty', () => {
  const s = parseFieldSelector('metadata.name=foo,status.phase!=Running');
  assert.equal(s.matches({ 'metadata.name': 'foo', 'status.phase': 'Pending' }), true);
  assert.equal(s.matches({ 'metadata.name': 'foo' }), true);
  assert.equal(s.matches({ 'metadata.name': 'foo', 'status.phase': 'Running' }), false);
  assert.equal(s.matches({ 'metadata.name': 'bar' }), false);
  assert.equal(parseFieldSelector('x=').matches({}), true);
  assert.equal(parseFieldSelector('x=').matches({ x: 'y' }), false);
  assert.equal(parseFieldSelector('a=b').requiresExactMatch('a'), 'b');
  assert.equal(parseFieldSelector('a!=b').requiresExactMatch('a'), undefined);
});

test('validateFieldSelector accepts each resource’s labels and maps aliases', () => {
  const ok = (group: string, resource: string, sel: string): string =>
    validateFieldSelector(group, resource, parseFieldSelector(sel)).toString();
  assert.equal(
    ok('', 'pods', 'spec.nodeName=n,status.phase=Running,spec.hostNetwork=true,status.podIPs=x'),
    'spec.hostNetwork=true,spec.nodeName=n,status.phase=Running,status.podIPs=x',
  );
  assert.equal(ok('', 'pods', 'spec.host=n'), 'spec.nodeName=n');
  assert.equal(
    ok('', 'configmaps', 'metadata.name=a,metadata.namespace=b'),
    'metadata.name=a,metadata.namespace=b',
  );
  assert.equal(ok('apps', 'deployments', 'metadata.name=a'), 'metadata.name=a');
  assert.equal(ok('', 'persistentvolumes', 'metadata.namespace='), 'metadata.namespace=');
  assert.equal(ok('', 'secrets', 'type=Opaque'), 'type=Opaque');
  assert.equal(ok('', 'nodes', 'spec.unschedulable=false'), 'spec.unschedulable=false');
  assert.equal(ok('', 'namespaces', 'status.phase=Active'), 'status.phase=Active');
  assert.equal(ok('', 'replicationcontrollers', 'status.replicas=1'), 'status.replicas=1');
  assert.equal(ok('batch', 'jobs', 'status.successful=1'), 'status.successful=1');
  assert.equal(
    ok('', 'services', 'spec.clusterIP=None,spec.type=ClusterIP'),
    'spec.clusterIP=None,spec.type=ClusterIP',
  );
  assert.equal(
    ok('', 'events', 'involvedObject.name=p,reason=Started'),
    'involvedObject.name=p,reason=Started',
  );
  assert.equal(
    ok('events.k8s.io', 'events', 'regarding.kind=Pod,reportingController=kubelet'),
    'involvedObject.kind=Pod,reportingComponent=kubelet',
  );
  assert.equal(ok('', 'pods', ''), '');
});

test('validateFieldSelector rejects unsupported labels with upstream texts', () => {
  const bad =
    (group: string, resource: string, sel: string): (() => unknown) =>
    () =>
      validateFieldSelector(group, resource, parseFieldSelector(sel));
  rejects(bad('', 'pods', 'foo=bar'), 'field label not supported: foo');
  rejects(bad('', 'pods', 'metadata.name=a,zzz=1,aaa=2'), 'field label not supported: aaa');
  rejects(
    bad('', 'nodes', 'metadata.namespace=x'),
    'field label not supported: metadata.namespace',
  );
  rejects(
    bad('', 'namespaces', 'metadata.namespace=x'),
    'field label not supported: metadata.namespace',
  );
  rejects(bad('', 'pods', '=x'), 'field label not supported: ');
  rejects(
    bad('', 'configmaps', 'data.x=y'),
    '"data.x" is not a known field selector: only "metadata.name", "metadata.namespace"',
  );
  rejects(
    bad('apps', 'replicasets', 'status.replicas=1'),
    '"status.replicas" is not a known field selector: only "metadata.name", "metadata.namespace"',
  );
  rejects(
    bad('batch', 'jobs', 'status.failed=1'),
    'field label "status.failed" not supported for batchv1.Job',
  );
  rejects(
    bad('events.k8s.io', 'events', 'involvedObject.kind=Pod'),
    'field label not supported: involvedObject.kind',
  );
  assert.deepEqual(supportedFieldLabels('', 'nodes'), ['metadata.name', 'spec.unschedulable']);
});

const pod: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'ns' },
  spec: {
    nodeName: 'n1',
    restartPolicy: 'Always',
    schedulerName: 'default-scheduler',
    serviceAccount: 'sa',
  },
  status: { phase: 'Running', podIP: '10.0.0.9', podIPs: [{ ip: '10.0.0.1' }, { ip: 'fd00::1' }] },
};

test('selectableFields for pods', () => {
  assert.deepEqual(selectableFields('', 'pods', pod), {
    'metadata.name': 'p',
    'metadata.namespace': 'ns',
    'spec.nodeName': 'n1',
    'spec.host': 'n1',
    'spec.restartPolicy': 'Always',
    'spec.schedulerName': 'default-scheduler',
    'spec.serviceAccountName': 'sa',
    'spec.hostNetwork': 'false',
    'status.phase': 'Running',
    'status.podIP': '10.0.0.1',
    'status.nominatedNodeName': '',
  });
  const converted = validateFieldSelector(
    '',
    'pods',
    parseFieldSelector('metadata.name=p,status.phase!=Pending,spec.host=n1'),
  );
  assert.equal(converted.matches(selectableFields('', 'pods', pod)), true);
  // status.podIPs is accepted but never populated upstream.
  assert.equal(
    parseFieldSelector('status.podIPs=10.0.0.1').matches(selectableFields('', 'pods', pod)),
    false,
  );
});

test('selectableFields for other resources', () => {
  const meta = { name: 'x' };
  assert.deepEqual(
    selectableFields('', 'nodes', { metadata: meta, spec: { unschedulable: true } }),
    {
      'metadata.name': 'x',
      'spec.unschedulable': 'true',
    },
  );
  assert.deepEqual(
    selectableFields('', 'namespaces', { metadata: meta, status: { phase: 'Active' } }),
    {
      'metadata.name': 'x',
      'status.phase': 'Active',
    },
  );
  assert.deepEqual(
    selectableFields('', 'secrets', { metadata: { name: 's', namespace: 'n' }, type: 'Opaque' }),
    {
      'metadata.name': 's',
      'metadata.namespace': 'n',
      type: 'Opaque',
    },
  );
  assert.deepEqual(
    selectableFields('batch', 'jobs', { metadata: meta, status: { succeeded: 3 } }),
    {
      'metadata.name': 'x',
      'status.successful': '3',
    },
  );
  assert.deepEqual(selectableFields('', 'replicationcontrollers', { metadata: meta }), {
    'metadata.name': 'x',
    'status.replicas': '0',
  });
  assert.deepEqual(
    selectableFields('', 'services', {
      metadata: meta,
      spec: { clusterIP: '10.96.0.1', type: 'ClusterIP' },
    }),
    {
      'metadata.name': 'x',
      'spec.clusterIP': '10.96.0.1',
      'spec.type': 'ClusterIP',
    },
  );
  assert.deepEqual(
    selectableFields('', 'configmaps', { metadata: { name: 'c', namespace: 'n' }, data: {} }),
    {
      'metadata.name': 'c',
      'metadata.namespace': 'n',
    },
  );
});

test('selectableFields for events reads either event shape', () => {
  const core: KubeObject = {
    metadata: { name: 'e', namespace: 'n' },
    involvedObject: { kind: 'Pod', name: 'p', namespace: 'n', uid: 'u', apiVersion: 'v1' },
    reason: 'Started',
    type: 'Normal',
    reportingComponent: 'kubelet',
    source: {},
  };
  const fields = selectableFields('', 'events', core);
  assert.equal(fields['involvedObject.kind'], 'Pod');
  assert.equal(fields['involvedObject.fieldPath'], '');
  assert.equal(fields.source, 'kubelet', 'source falls back to the reporting controller');
  assert.equal(fields.reportingComponent, 'kubelet');
  assert.equal(
    parseFieldSelector('involvedObject.name=p,involvedObject.kind=Pod,type!=Warning').matches(
      fields,
    ),
    true,
  );
  const v1: KubeObject = {
    metadata: { name: 'e', namespace: 'n' },
    regarding: { kind: 'Pod', name: 'p' },
    reportingController: 'kubelet',
    deprecatedSource: { component: 'kubelet-src' },
    reason: 'Started',
    type: 'Normal',
  };
  const v1Fields = selectableFields('events.k8s.io', 'events', v1);
  assert.equal(v1Fields['involvedObject.kind'], 'Pod');
  assert.equal(v1Fields['regarding.kind'], 'Pod');
  assert.equal(v1Fields.reportingController, 'kubelet');
  assert.equal(v1Fields.source, 'kubelet-src');
  const sel = parseFieldSelector('regarding.name=p,reportingController=kubelet');
  assert.equal(sel.matches(v1Fields), true);
  assert.equal(validateFieldSelector('events.k8s.io', 'events', sel).matches(v1Fields), true);
});
