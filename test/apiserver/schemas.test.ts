// The schemas generated at build time (scripts/gen-openapi-schemas.mjs) from Kubernetes 1.32's
// client models and kubernetes-types 1.30's declarations: upstream names, types, references,
// required fields and kinds; and the per-group-version documents built from them.
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

test("the types are Kubernetes 1.32's, named and typed as upstream's", () => {
  const s = documentedSchemas();
  const props = (name: string): Record<string, unknown> => s[name]?.properties ?? {};
  // Added in 1.31/1.32; removed in 1.31 (ClaimSource); added only in 1.33 (stopSignal).
  assert.deepEqual(props('io.k8s.api.core.v1.PodSpec').resources, {
    allOf: [ref('io.k8s.api.core.v1.ResourceRequirements')],
  });
  assert.equal(
    (props('io.k8s.api.core.v1.PodSecurityContext').supplementalGroupsPolicy as { type: string })
      .type,
    'string',
  );
  assert.ok('image' in props('io.k8s.api.core.v1.Volume'));
  assert.ok('resourceClaimTemplateName' in props('io.k8s.api.core.v1.PodResourceClaim'));
  assert.ok(!('source' in props('io.k8s.api.core.v1.PodResourceClaim')));
  assert.equal(s['io.k8s.api.core.v1.ClaimSource'], undefined);
  assert.deepEqual(Object.keys(props('io.k8s.api.core.v1.Lifecycle')), ['postStart', 'preStop']);
  // Group-version names the client models leave implicit, and whole groups 1.30 lacked.
  assert.equal(schemaNameOf('events.k8s.io', 'v1', 'Event'), 'io.k8s.api.events.v1.Event');
  assert.equal(schemaNameOf('', 'v1', 'Event'), 'io.k8s.api.core.v1.Event');
  assert.equal(
    schemaNameOf('coordination.k8s.io', 'v1alpha2', 'LeaseCandidate'),
    'io.k8s.api.coordination.v1alpha2.LeaseCandidate',
  );
  assert.equal(
    schemaNameOf('resource.k8s.io', 'v1beta1', 'ResourceClaimList'),
    'io.k8s.api.resource.v1beta1.ResourceClaimList',
  );
  assert.equal(schemaNameOf('flowcontrol.apiserver.k8s.io', 'v1beta3', 'FlowSchema'), undefined);
  // What the models flatten keeps upstream's shape: a Quantity added in 1.32, a MicroTime, JSON
  // names that are reserved words in TypeScript, an inlined struct's fields, int64 formats.
  assert.deepEqual(props('io.k8s.api.resource.v1beta1.DeviceCapacity').value, {
    description: 'Value defines how much of a certain device capacity is available.',
    allOf: [ref('io.k8s.apimachinery.pkg.api.resource.Quantity')],
  });
  assert.deepEqual(props('io.k8s.api.coordination.v1alpha2.LeaseCandidateSpec').renewTime, {
    allOf: [ref('io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime')],
  });
  const jsonSchema = props(
    'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps',
  );
  for (const name of ['$ref', 'default', 'enum', 'x-kubernetes-list-type']) {
    assert.ok(name in jsonSchema, name);
  }
  assert.ok('continue' in props('io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta'));
  assert.ok('resources' in props('io.k8s.api.admissionregistration.v1.RuleWithOperations'));
  assert.deepEqual(
    props('io.k8s.api.admissionregistration.v1beta1.ValidatingAdmissionPolicyStatus')
      .observedGeneration,
    {
      description: 'The generation observed by the controller.',
      type: 'integer',
      format: 'int64',
    },
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
