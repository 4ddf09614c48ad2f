// The schemas generated from kubernetes-types at build time (scripts/gen-openapi-schemas.mjs):
// upstream names, types, references, required fields and kinds; and the per-group-version
// documents built from them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildOpenApi } from '../../src/apiserver/openapi.js';
import { RESOURCE_DEFINITIONS } from '../../src/apiserver/resources.js';
import {
  documentedSchemas,
  reachableSchemas,
  schemaNameOf,
  structuralSchemas,
} from '../../src/apiserver/schemas.js';

const ref = (name: string): { $ref: string } => ({ $ref: `#/components/schemas/${name}` });

test('Container: scalars, lists, references wrapped in allOf, required from non-optional', () => {
  const c = documentedSchemas()['io.k8s.api.core.v1.Container'];
  assert.ok(c);
  assert.equal(c.type, 'object');
  assert.deepEqual(c.required, ['name']);
  assert.match(c.description ?? '', /^A single application container/);
  assert.deepEqual(c.properties?.args?.items, { type: 'string' });
  assert.equal(c.properties?.args?.type, 'array');
  assert.match(c.properties?.args?.description ?? '', /^Arguments to the entrypoint/);
  assert.deepEqual(c.properties?.ports?.items, ref('io.k8s.api.core.v1.ContainerPort'));
  assert.deepEqual(c.properties?.resources?.allOf, [
    ref('io.k8s.api.core.v1.ResourceRequirements'),
  ]);
  assert.equal(c.properties?.stdin?.type, 'boolean');
  assert.equal(c.properties?.terminationMessagePath?.type, 'string');
  const port = documentedSchemas()['io.k8s.api.core.v1.ContainerPort'];
  assert.deepEqual(port?.required, ['containerPort']);
  assert.equal(port?.properties?.containerPort?.type, 'integer');
});

test('maps, IntOrString, Quantity, Time, RawExtension and FieldsV1 take upstream shapes', () => {
  const s = documentedSchemas();
  assert.deepEqual(s['io.k8s.api.core.v1.ResourceRequirements']?.properties?.limits, {
    description: s['io.k8s.api.core.v1.ResourceRequirements']?.properties?.limits?.description,
    type: 'object',
    additionalProperties: ref('io.k8s.apimachinery.pkg.api.resource.Quantity'),
  });
  const labels = s['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']?.properties?.labels;
  assert.deepEqual(labels?.additionalProperties, { type: 'string' });
  assert.deepEqual(s['io.k8s.api.core.v1.ServicePort']?.properties?.targetPort?.allOf, [
    ref('io.k8s.apimachinery.pkg.util.intstr.IntOrString'),
  ]);
  const ios = s['io.k8s.apimachinery.pkg.util.intstr.IntOrString'];
  assert.equal(ios?.format, 'int-or-string');
  assert.deepEqual(ios?.oneOf, [{ type: 'integer' }, { type: 'string' }]);
  assert.deepEqual(s['io.k8s.apimachinery.pkg.api.resource.Quantity']?.oneOf, [
    { type: 'string' },
    { type: 'number' },
  ]);
  const time = s['io.k8s.apimachinery.pkg.apis.meta.v1.Time'];
  assert.equal(time?.type, 'string');
  assert.equal(time?.format, 'date-time');
  assert.equal(
    s['io.k8s.apimachinery.pkg.runtime.RawExtension']?.['x-kubernetes-preserve-unknown-fields'],
    true,
  );
  assert.equal(
    s['io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1']?.['x-kubernetes-preserve-unknown-fields'],
    true,
  );
});

test('top-level kinds carry their group, version and kind', () => {
  assert.deepEqual(
    documentedSchemas()['io.k8s.api.apps.v1.Deployment']?.['x-kubernetes-group-version-kind'],
    [{ group: 'apps', kind: 'Deployment', version: 'v1' }],
  );
  assert.equal(schemaNameOf('', 'v1', 'Pod'), 'io.k8s.api.core.v1.Pod');
  assert.equal(schemaNameOf('batch', 'v1', 'CronJob'), 'io.k8s.api.batch.v1.CronJob');
  assert.equal(schemaNameOf('apps', 'v1', 'Nope'), undefined);
  assert.equal(
    documentedSchemas()['io.k8s.api.core.v1.Container']?.['x-kubernetes-group-version-kind'],
    undefined,
  );
});

test('the structural copy drops descriptions but keeps a field named description', () => {
  const pc = structuralSchemas()['io.k8s.api.scheduling.v1.PriorityClass'];
  assert.equal(pc?.description, undefined);
  assert.deepEqual(pc?.properties?.description, { type: 'string' });
});

test('every kind kbox serves has a schema', () => {
  for (const r of RESOURCE_DEFINITIONS) {
    assert.ok(schemaNameOf(r.group, r.version, r.kind), `${r.group}/${r.version} ${r.kind}`);
  }
});

test('a group-version document holds the schemas reachable from its kinds only', () => {
  const names = reachableSchemas(documentedSchemas(), ['io.k8s.api.apps.v1.Deployment']);
  assert.ok(names.includes('io.k8s.api.core.v1.Container'));
  assert.ok(names.includes('io.k8s.apimachinery.pkg.util.intstr.IntOrString'));
  assert.ok(!names.includes('io.k8s.api.apps.v1.StatefulSet'));

  const openapi = buildOpenApi(RESOURCE_DEFINITIONS.filter((r) => r.group === 'apps'));
  const doc = openapi.document('apis/apps/v1');
  assert.ok(doc);
  const schemas = (JSON.parse(doc.text) as { components: { schemas: Record<string, unknown> } })
    .components.schemas;
  assert.ok('io.k8s.api.apps.v1.DeploymentList' in schemas);
  assert.ok('io.k8s.api.autoscaling.v1.Scale' in schemas);
  assert.ok('io.k8s.api.core.v1.PodTemplateSpec' in schemas);
  assert.ok(!('io.k8s.api.batch.v1.Job' in schemas));
  assert.ok(!('io.k8s.api.core.v1.Service' in schemas));
  const root = JSON.parse(openapi.root().text) as {
    paths: Record<string, { serverRelativeURL: string }>;
  };
  assert.equal(
    root.paths['apis/apps/v1']?.serverRelativeURL,
    `/openapi/v3/apis/apps/v1?hash=${doc.hash}`,
  );
  assert.match(doc.hash, /^[0-9A-F]{128}$/);
});
