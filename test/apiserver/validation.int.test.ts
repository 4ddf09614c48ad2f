// API validation against upstream Kubernetes 1.32's wording: each invalid object gets the exact
// 422 Status (reason Invalid, details.causes with reason/message/field, and the aggregated
// message errors.NewInvalid builds), and kubectl prints that message unchanged.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApi, type TestApi } from '../support/apiserver.js';
import { expectInvalid as expectInvalidStatus, type Cause } from '../support/invalid.js';

let api: TestApi;

before(async () => {
  api = await startTestApi();
});
after(() => api.stop());

type Json = Record<string, unknown>;

const RFC1123_LABEL =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const RFC1123_SUBDOMAIN =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const DNS1035 =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const LABEL_VALUE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const CONFIG_KEY =
  "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";

const inv = (field: string, message: string): Cause => ['FieldValueInvalid', field, message];
const req = (field: string, detail = ''): Cause => [
  'FieldValueRequired',
  field,
  detail === '' ? 'Required value' : `Required value: ${detail}`,
];

function pod(name: string, spec: Json = {}, container: Json = {}): Json {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { containers: [{ name: 'app', image: 'busybox', ...container }], ...spec },
  };
}

function podTemplate(labels: Json, spec: Json = {}): Json {
  return {
    metadata: { labels },
    spec: { containers: [{ name: 'app', image: 'busybox' }], ...spec },
  };
}

function deployment(name: string, spec: Json = {}, podSpec: Json = {}): Json {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      selector: { matchLabels: { app: name } },
      template: podTemplate({ app: name }, podSpec),
      ...spec,
    },
  };
}

function service(name: string, spec: Json): Json {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec };
}

function cronJob(name: string, spec: Json = {}, podSpec: Json = {}): Json {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name },
    spec: {
      schedule: '*/5 * * * *',
      jobTemplate: { spec: { template: podTemplate({}, { restartPolicy: 'Never', ...podSpec }) } },
      ...spec,
    },
  };
}

const PATHS: Record<string, string> = {
  Pod: '/api/v1/namespaces/default/pods',
  Service: '/api/v1/namespaces/default/services',
  ConfigMap: '/api/v1/namespaces/default/configmaps',
  Secret: '/api/v1/namespaces/default/secrets',
  Namespace: '/api/v1/namespaces',
  Deployment: '/apis/apps/v1/namespaces/default/deployments',
  StatefulSet: '/apis/apps/v1/namespaces/default/statefulsets',
  DaemonSet: '/apis/apps/v1/namespaces/default/daemonsets',
  Job: '/apis/batch/v1/namespaces/default/jobs',
  CronJob: '/apis/batch/v1/namespaces/default/cronjobs',
};
const GROUPS: Record<string, string> = {
  Deployment: 'apps',
  StatefulSet: 'apps',
  DaemonSet: 'apps',
  Job: 'batch',
  CronJob: 'batch',
};

function expectInvalid(res: Response, kind: string, name: string, causes: Cause[]): Promise<void> {
  return expectInvalidStatus(res, kind, GROUPS[kind], name, causes);
}

interface Case {
  name: string;
  kind: string;
  body: Json;
  causes: Cause[];
}

const cases: Case[] = [
  // Pods and their containers (ValidatePodSpec / validateContainers).
  {
    name: 'pod: invalid object name',
    kind: 'Pod',
    body: pod('Bad_Name'),
    causes: [inv('metadata.name', `Invalid value: "Bad_Name": ${RFC1123_SUBDOMAIN}`)],
  },
  {
    name: 'pod: container name not a DNS label',
    kind: 'Pod',
    body: pod('p1', {}, { name: 'Web_1' }),
    causes: [inv('spec.containers[0].name', `Invalid value: "Web_1": ${RFC1123_LABEL}`)],
  },
  {
    name: 'pod: duplicate container names',
    kind: 'Pod',
    body: pod('p2', {
      containers: [
        { name: 'app', image: 'busybox' },
        { name: 'app', image: 'busybox' },
      ],
    }),
    causes: [['FieldValueDuplicate', 'spec.containers[1].name', 'Duplicate value: "app"']],
  },
  {
    name: 'pod: image missing',
    kind: 'Pod',
    body: pod('p3', { containers: [{ name: 'app' }] }),
    causes: [req('spec.containers[0].image')],
  },
  {
    name: 'pod: no containers',
    kind: 'Pod',
    body: pod('p4', { containers: [] }),
    causes: [req('spec.containers')],
  },
  {
    name: 'pod: containerPort out of range',
    kind: 'Pod',
    body: pod('p5', {}, { ports: [{ containerPort: 70000 }] }),
    causes: [
      inv(
        'spec.containers[0].ports[0].containerPort',
        'Invalid value: 70000: must be between 1 and 65535, inclusive',
      ),
    ],
  },
  {
    name: 'pod: containerPort 0 is missing',
    kind: 'Pod',
    body: pod('p6', {}, { ports: [{ containerPort: 0 }] }),
    causes: [req('spec.containers[0].ports[0].containerPort')],
  },
  {
    name: 'pod: unsupported port protocol (sorted list)',
    kind: 'Pod',
    body: pod('p7', {}, { ports: [{ containerPort: 80, protocol: 'HTTP' }] }),
    causes: [
      [
        'FieldValueNotSupported',
        'spec.containers[0].ports[0].protocol',
        'Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
      ],
    ],
  },
  {
    name: 'pod: duplicate container port names',
    kind: 'Pod',
    body: pod(
      'p8',
      {},
      {
        ports: [
          { name: 'http', containerPort: 80 },
          { name: 'http', containerPort: 81 },
        ],
      },
    ),
    causes: [
      ['FieldValueDuplicate', 'spec.containers[0].ports[1].name', 'Duplicate value: "http"'],
    ],
  },
  {
    name: 'pod: invalid container port name',
    kind: 'Pod',
    body: pod('p9', {}, { ports: [{ name: 'Http_port_name_x', containerPort: 80 }] }),
    causes: [
      inv(
        'spec.containers[0].ports[0].name',
        'Invalid value: "Http_port_name_x": must be no more than 15 characters',
      ),
      inv(
        'spec.containers[0].ports[0].name',
        'Invalid value: "Http_port_name_x": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
      ),
    ],
  },
  {
    name: "pod: env name with '=' (relaxed rule, on by default in 1.32)",
    kind: 'Pod',
    body: pod(
      'p10',
      {},
      {
        env: [
          { name: 'A=B', value: 'x' },
          { name: '1_OK', value: 'y' },
        ],
      },
    ),
    causes: [
      inv(
        'spec.containers[0].env[0].name',
        `Invalid value: "A=B": a valid environment variable name must consist only of printable ASCII characters other than '='`,
      ),
    ],
  },
  {
    name: 'pod: empty env name',
    kind: 'Pod',
    body: pod('p11', {}, { env: [{ name: '', value: 'x' }] }),
    causes: [
      req('spec.containers[0].env[0].name'),
      inv(
        'spec.containers[0].env[0].name',
        'Invalid value: "": environment variable name must be non-empty',
      ),
    ],
  },
  {
    name: 'pod: request above limit',
    kind: 'Pod',
    body: pod('p12', {}, { resources: { requests: { cpu: '200m' }, limits: { cpu: '100m' } } }),
    causes: [
      inv(
        'spec.containers[0].resources.requests',
        'Invalid value: "200m": must be less than or equal to cpu limit of 100m',
      ),
    ],
  },
  {
    name: 'pod: negative limit (the request defaults from it)',
    kind: 'Pod',
    body: pod('p13', {}, { resources: { limits: { memory: '-1Gi' } } }),
    causes: [
      inv(
        'spec.containers[0].resources.limits[memory]',
        'Invalid value: "-1Gi": must be greater than or equal to 0',
      ),
      inv(
        'spec.containers[0].resources.requests[memory]',
        'Invalid value: "-1Gi": must be greater than or equal to 0',
      ),
    ],
  },
  {
    name: 'pod: duplicate volume names',
    kind: 'Pod',
    body: pod('p14', {
      volumes: [
        { name: 'data', emptyDir: {} },
        { name: 'data', emptyDir: {} },
      ],
    }),
    causes: [['FieldValueDuplicate', 'spec.volumes[1].name', 'Duplicate value: "data"']],
  },
  {
    name: 'pod: volumeMount of a missing volume',
    kind: 'Pod',
    body: pod('p15', {}, { volumeMounts: [{ name: 'missing', mountPath: '/data' }] }),
    causes: [
      ['FieldValueNotFound', 'spec.containers[0].volumeMounts[0].name', 'Not found: "missing"'],
    ],
  },
  {
    name: 'pod: unsupported restartPolicy',
    kind: 'Pod',
    body: pod('p16', { restartPolicy: 'Sometimes' }),
    causes: [
      [
        'FieldValueNotSupported',
        'spec.restartPolicy',
        'Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
      ],
    ],
  },
  {
    name: 'pod: unsupported dnsPolicy',
    kind: 'Pod',
    body: pod('p17', { dnsPolicy: 'Bogus' }),
    causes: [
      [
        'FieldValueNotSupported',
        'spec.dnsPolicy',
        'Unsupported value: "Bogus": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"',
      ],
    ],
  },
  {
    name: 'pod: probe without a handler',
    kind: 'Pod',
    body: pod('p18', {}, { livenessProbe: { periodSeconds: 5 } }),
    causes: [req('spec.containers[0].livenessProbe', 'must specify a handler type')],
  },
  {
    name: 'pod: liveness successThreshold must be 1',
    kind: 'Pod',
    body: pod('p19', {}, { livenessProbe: { tcpSocket: { port: 80 }, successThreshold: 2 } }),
    causes: [
      inv('spec.containers[0].livenessProbe.successThreshold', 'Invalid value: 2: must be 1'),
    ],
  },
  // Object metadata (ValidateObjectMeta).
  {
    name: 'configmap: invalid label value; the same message twice is printed once',
    kind: 'ConfigMap',
    body: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'm1', labels: { a: 'bad value', b: 'bad value' } },
    },
    causes: [
      inv('metadata.labels', `Invalid value: "bad value": ${LABEL_VALUE}`),
      inv('metadata.labels', `Invalid value: "bad value": ${LABEL_VALUE}`),
    ],
  },
  {
    name: 'configmap: annotations over 256 KiB',
    kind: 'ConfigMap',
    body: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'm2', annotations: { big: 'x'.repeat(262144) } },
    },
    causes: [
      ['FieldValueTooLong', 'metadata.annotations', 'Too long: may not be more than 262144 bytes'],
    ],
  },
  {
    name: 'namespace: name must be a DNS label',
    kind: 'Namespace',
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'Bad_NS' } },
    causes: [inv('metadata.name', `Invalid value: "Bad_NS": ${RFC1123_LABEL}`)],
  },
  // Services (ValidateService).
  {
    name: 'service: name must be a DNS-1035 label',
    kind: 'Service',
    body: service('1svc', { ports: [{ port: 80 }] }),
    causes: [inv('metadata.name', `Invalid value: "1svc": ${DNS1035}`)],
  },
  {
    name: 'service: ports required',
    kind: 'Service',
    body: service('s1', { selector: { app: 'x' } }),
    causes: [req('spec.ports')],
  },
  {
    name: 'service: port out of range (and targetPort, defaulted from it)',
    kind: 'Service',
    body: service('s2', { ports: [{ port: 70000 }] }),
    causes: [
      inv('spec.ports[0].port', 'Invalid value: 70000: must be between 1 and 65535, inclusive'),
      inv(
        'spec.ports[0].targetPort',
        'Invalid value: 70000: must be between 1 and 65535, inclusive',
      ),
    ],
  },
  {
    name: 'service: duplicate port and protocol',
    kind: 'Service',
    body: service('s3', {
      ports: [
        { name: 'a', port: 80 },
        { name: 'b', port: 80 },
      ],
    }),
    causes: [
      [
        'FieldValueDuplicate',
        'spec.ports[1]',
        'Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}',
      ],
    ],
  },
  {
    name: 'service: two ports need names',
    kind: 'Service',
    body: service('s4', { ports: [{ port: 80 }, { port: 81 }] }),
    causes: [req('spec.ports[0].name'), req('spec.ports[1].name')],
  },
  {
    name: 'service: unsupported type (sorted list)',
    kind: 'Service',
    body: service('s5', { type: 'Foo', ports: [{ port: 80 }] }),
    causes: [
      [
        'FieldValueNotSupported',
        'spec.type',
        'Unsupported value: "Foo": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
      ],
    ],
  },
  {
    name: 'service: targetPort out of range',
    kind: 'Service',
    body: service('s6', { ports: [{ port: 80, targetPort: 70000 }] }),
    causes: [
      inv(
        'spec.ports[0].targetPort',
        'Invalid value: 70000: must be between 1 and 65535, inclusive',
      ),
    ],
  },
  {
    name: 'service: targetPort not a port name',
    kind: 'Service',
    body: service('s7', { ports: [{ port: 80, targetPort: 'Http_Port' }] }),
    causes: [
      inv(
        'spec.ports[0].targetPort',
        'Invalid value: "Http_Port": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
      ),
    ],
  },
  {
    name: 'service: port name not a DNS label',
    kind: 'Service',
    body: service('s8', { ports: [{ name: 'Web', port: 80 }] }),
    causes: [inv('spec.ports[0].name', `Invalid value: "Web": ${RFC1123_LABEL}`)],
  },
  {
    name: 'service: invalid selector value',
    kind: 'Service',
    body: service('s9', { selector: { app: 'bad value' }, ports: [{ port: 80 }] }),
    causes: [inv('spec.selector', `Invalid value: "bad value": ${LABEL_VALUE}`)],
  },
  {
    name: 'service: nodePort outside the range',
    kind: 'Service',
    body: service('s10', { type: 'NodePort', ports: [{ port: 80, nodePort: 20000 }] }),
    causes: [
      inv(
        'spec.ports[0].nodePort',
        'Invalid value: 20000: provided port is not in the valid range. The range of valid ports is 30000-32767',
      ),
    ],
  },
  // Workloads (apps and batch validation).
  {
    name: 'deployment: selector missing (selects nothing, so the labels do not match)',
    kind: 'Deployment',
    body: deployment('d1', { selector: undefined }),
    causes: [
      req('spec.selector'),
      inv(
        'spec.template.metadata.labels',
        'Invalid value: map[string]string{"app":"d1"}: `selector` does not match template `labels`',
      ),
    ],
  },
  {
    name: 'deployment: selector does not match the template',
    kind: 'Deployment',
    body: deployment('d2', { selector: { matchLabels: { app: 'other' } } }),
    causes: [
      inv(
        'spec.template.metadata.labels',
        'Invalid value: map[string]string{"app":"d2"}: `selector` does not match template `labels`',
      ),
    ],
  },
  {
    name: 'deployment: template restartPolicy must be Always',
    kind: 'Deployment',
    body: deployment('d3', {}, { restartPolicy: 'Never' }),
    causes: [
      [
        'FieldValueNotSupported',
        'spec.template.spec.restartPolicy',
        'Unsupported value: "Never": supported values: "Always"',
      ],
    ],
  },
  {
    name: 'deployment: negative replicas, and a template error after it',
    kind: 'Deployment',
    body: deployment('d4', { replicas: -1 }, { containers: [{ name: 'app' }] }),
    causes: [
      inv('spec.replicas', 'Invalid value: -1: must be greater than or equal to 0'),
      req('spec.template.spec.containers[0].image'),
    ],
  },
  {
    name: 'deployment: unsupported strategy type',
    kind: 'Deployment',
    body: deployment('d5', { strategy: { type: 'Bogus' } }),
    causes: [
      [
        'FieldValueNotSupported',
        'spec.strategy',
        'Unsupported value: apps.DeploymentStrategy{Type:"Bogus", RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}: supported values: "Recreate", "RollingUpdate"',
      ],
    ],
  },
  {
    name: 'deployment: empty selector',
    kind: 'Deployment',
    body: deployment('d6', { selector: { matchLabels: {} } }),
    causes: [
      inv(
        'spec.selector',
        'Invalid value: v1.LabelSelector{MatchLabels:map[string]string{}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment',
      ),
    ],
  },
  {
    name: 'statefulset: template restartPolicy must be Always',
    kind: 'StatefulSet',
    body: {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'ss1' },
      spec: {
        serviceName: 'ss1',
        selector: { matchLabels: { app: 'ss1' } },
        template: podTemplate({ app: 'ss1' }, { restartPolicy: 'OnFailure' }),
      },
    },
    causes: [
      [
        'FieldValueNotSupported',
        'spec.template.spec.restartPolicy',
        'Unsupported value: "OnFailure": supported values: "Always"',
      ],
    ],
  },
  {
    name: 'daemonset: template restartPolicy must be Always',
    kind: 'DaemonSet',
    body: {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'ds1' },
      spec: {
        selector: { matchLabels: { app: 'ds1' } },
        template: podTemplate({ app: 'ds1' }, { restartPolicy: 'Never' }),
      },
    },
    causes: [
      [
        'FieldValueNotSupported',
        'spec.template.spec.restartPolicy',
        'Unsupported value: "Never": supported values: "Always"',
      ],
    ],
  },
  {
    name: 'job: restartPolicy defaults to Always, which a Job may not use',
    kind: 'Job',
    body: {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'j1' },
      spec: { template: podTemplate({}) },
    },
    causes: [
      [
        'FieldValueNotSupported',
        'spec.template.spec.restartPolicy',
        'Unsupported value: "Always": supported values: "OnFailure", "Never"',
      ],
    ],
  },
  {
    name: 'job: negative parallelism',
    kind: 'Job',
    body: {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'j2' },
      spec: { parallelism: -1, template: podTemplate({}, { restartPolicy: 'Never' }) },
    },
    causes: [inv('spec.parallelism', 'Invalid value: -1: must be greater than or equal to 0')],
  },
  {
    name: 'cronjob: name longer than 52 characters',
    kind: 'CronJob',
    body: cronJob('c'.repeat(53)),
    causes: [
      inv(
        'metadata.name',
        `Invalid value: "${'c'.repeat(53)}": must be no more than 52 characters`,
      ),
    ],
  },
  {
    name: 'cronjob: unparseable schedule',
    kind: 'CronJob',
    body: cronJob('c1', { schedule: 'bogus' }),
    causes: [
      inv('spec.schedule', 'Invalid value: "bogus": expected exactly 5 fields, found 1: [bogus]'),
    ],
  },
  {
    name: 'cronjob: unsupported concurrencyPolicy',
    kind: 'CronJob',
    body: cronJob('c2', { concurrencyPolicy: 'Sometimes' }),
    causes: [
      [
        'FieldValueNotSupported',
        'spec.concurrencyPolicy',
        'Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"',
      ],
    ],
  },
  {
    name: 'cronjob: unknown time zone',
    kind: 'CronJob',
    body: cronJob('c3', { timeZone: 'Mars/Base' }),
    causes: [inv('spec.timeZone', 'Invalid value: "Mars/Base": unknown time zone Mars/Base')],
  },
  {
    name: 'cronjob: template restartPolicy Always',
    kind: 'CronJob',
    body: cronJob('c4', {}, { restartPolicy: 'Always' }),
    causes: [
      [
        'FieldValueNotSupported',
        'spec.jobTemplate.spec.template.spec.restartPolicy',
        'Unsupported value: "Always": supported values: "OnFailure", "Never"',
      ],
    ],
  },
  // ConfigMaps and Secrets (ValidateConfigMap / ValidateSecret).
  {
    name: 'configmap: invalid key',
    kind: 'ConfigMap',
    body: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'm3' },
      data: { 'bad key': 'x' },
    },
    causes: [inv('data[bad key]', `Invalid value: "bad key": ${CONFIG_KEY}`)],
  },
  {
    name: "configmap: key '..'",
    kind: 'ConfigMap',
    body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'm4' }, data: { '..': 'x' } },
    causes: [inv('data[..]', `Invalid value: "..": must not be '..'`)],
  },
  {
    name: 'configmap: key in both data and binaryData',
    kind: 'ConfigMap',
    body: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'm5' },
      data: { k: 'x' },
      binaryData: { k: 'eA==' },
    },
    causes: [
      inv('data[k]', 'Invalid value: "k": duplicate of key present in binaryData'),
      inv('binaryData[k]', 'Invalid value: "k": duplicate of key present in data'),
    ],
  },
  {
    name: 'configmap: over 1 MiB',
    kind: 'ConfigMap',
    body: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'm6' },
      data: { a: 'x'.repeat(600_000), b: 'y'.repeat(600_000) },
    },
    causes: [['FieldValueTooLong', undefined, 'Too long: may not be more than 1048576 bytes']],
  },
  {
    name: 'secret: tls without its keys',
    kind: 'Secret',
    body: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'x1' },
      type: 'kubernetes.io/tls',
      data: {},
    },
    causes: [req('data[tls.crt]'), req('data[tls.key]')],
  },
  {
    name: 'secret: invalid key',
    kind: 'Secret',
    body: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'x2' },
      stringData: { 'a/b': 'x' },
    },
    causes: [inv('data[a/b]', `Invalid value: "a/b": ${CONFIG_KEY}`)],
  },
  {
    name: 'secret: service account token without its account',
    kind: 'Secret',
    body: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'x3' },
      type: 'kubernetes.io/service-account-token',
    },
    causes: [req('metadata.annotations[kubernetes.io/service-account.name]')],
  },
];

for (const c of cases) {
  test(`create ${c.name}`, async () => {
    const name = (c.body.metadata as { name: string }).name;
    await expectInvalid(
      await api.request('POST', PATHS[c.kind] ?? '', c.body),
      c.kind,
      name,
      c.causes,
    );
  });
}

test('generateName is validated as a prefix, then the generated name', async () => {
  const res = await api.request('POST', PATHS.ConfigMap ?? '', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { generateName: 'Bad_' },
  });
  const status = (await res.clone().json()) as { details: { name: string } };
  const name = status.details.name;
  assert.match(name, /^Bad_[a-z0-9]{5}$/);
  await expectInvalid(res, 'ConfigMap', name, [
    inv('metadata.generateName', `Invalid value: "Bad_": ${RFC1123_SUBDOMAIN}`),
    inv('metadata.name', `Invalid value: "${name}": ${RFC1123_SUBDOMAIN}`),
  ]);
  // A trailing dash is fine in a prefix.
  const ok = await api.request('POST', PATHS.ConfigMap ?? '', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { generateName: 'web-' },
  });
  assert.equal(ok.status, 201);
});

async function create(kind: string, body: Json): Promise<Json> {
  const res = await api.request('POST', PATHS[kind] ?? '', body);
  const obj = (await res.json()) as Json;
  assert.equal(res.status, 201, JSON.stringify(obj));
  return obj;
}

async function put(kind: string, obj: Json): Promise<Response> {
  const name = (obj.metadata as { name: string }).name;
  return api.request('PUT', `${PATHS[kind] ?? ''}/${name}`, obj);
}

test('update: a Deployment selector is immutable', async () => {
  const d = await create('Deployment', deployment('u1'));
  const spec = d.spec as Json;
  spec.selector = { matchLabels: { app: 'u1', tier: 'web' } };
  (spec.template as { metadata: { labels: Json } }).metadata.labels = { app: 'u1', tier: 'web' };
  await expectInvalid(await put('Deployment', d), 'Deployment', 'u1', [
    inv(
      'spec.selector',
      'Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"u1", "tier":"web"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
    ),
  ]);
});

test('update: a StatefulSet may change only some spec fields', async () => {
  const s = await create('StatefulSet', {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'u2' },
    spec: {
      serviceName: 'u2',
      selector: { matchLabels: { app: 'u2' } },
      template: podTemplate({ app: 'u2' }),
    },
  });
  const spec = s.spec as Json;
  spec.replicas = 3;
  spec.revisionHistoryLimit = 5;
  const scaled = await put('StatefulSet', s);
  assert.equal(scaled.status, 200);
  const current = (await scaled.json()) as Json;
  (current.spec as Json).podManagementPolicy = 'Parallel';
  await expectInvalid(await put('StatefulSet', current), 'StatefulSet', 'u2', [
    [
      'FieldValueForbidden',
      'spec',
      "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ],
  ]);
});

test('update: a nodePort already allocated', async () => {
  await create(
    'Service',
    service('u3a', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }),
  );
  await expectInvalid(
    await api.request(
      'POST',
      PATHS.Service ?? '',
      service('u3b', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }),
    ),
    'Service',
    'u3b',
    [inv('spec.ports[0].nodePort', 'Invalid value: 30080: provided port is already allocated')],
  );
});

test('update: immutable ConfigMap data, and Secret type', async () => {
  const cm = await create('ConfigMap', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'u4' },
    data: { k: 'v' },
    immutable: true,
  });
  cm.data = { k: 'changed' };
  await expectInvalid(await put('ConfigMap', cm), 'ConfigMap', 'u4', [
    ['FieldValueForbidden', 'data', 'Forbidden: field is immutable when `immutable` is set'],
  ]);
  const secret = await create('Secret', {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'u5' },
    stringData: { 'tls.crt': 'c', 'tls.key': 'k' },
  });
  assert.equal(secret.type, 'Opaque');
  assert.deepEqual(secret.data, { 'tls.crt': 'Yw==', 'tls.key': 'aw==' });
  secret.type = 'kubernetes.io/tls';
  await expectInvalid(await put('Secret', secret), 'Secret', 'u5', [
    inv('type', 'Invalid value: "kubernetes.io/tls": field is immutable'),
  ]);
});

test('kubectl prints every cause of the Status, one a line', async () => {
  const out = await api.kubectl(
    ['apply', '-f', '-'],
    `apiVersion: apps/v1
kind: Deployment
metadata:
  name: k1
spec:
  template:
    metadata:
      labels:
        app: k1
    spec:
      restartPolicy: Never
      containers:
      - name: app
        image: busybox
        ports:
        - containerPort: 0
`,
  );
  assert.equal(out.code, 1);
  assert.equal(
    out.stderr,
    'The Deployment "k1" is invalid: \n' +
      '* spec.selector: Required value\n' +
      '* spec.template.metadata.labels: Invalid value: map[string]string{"app":"k1"}: `selector` does not match template `labels`\n' +
      '* spec.template.spec.containers[0].ports[0].containerPort: Required value\n' +
      '* spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"\n',
  );
});
