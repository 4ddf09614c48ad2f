// Field numbers of the Kubernetes protobuf messages kubectl's typed commands send (create, run,
// expose, ...), transcribed from the k8s.io/api and apimachinery .proto definitions. Only the
// messages those commands produce are listed; anything else is refused with a clear error.
// `skip` marks what a create never carries meaningfully (status; kubectl's empty pod security
// context) and is ignored.

export type Scalar = 'string' | 'int' | 'bool' | 'bytes' | 'time' | 'quantity' | 'intstr' | 'skip';

export interface FieldDef {
  name: string;
  /** A scalar kind or the name of another message. */
  type: Scalar | string;
  repeated?: boolean;
  /** map<string, type>: entries are messages {key = 1, value = 2}. */
  map?: boolean;
  /** An embedded Go struct whose fields JSON inlines (Volume's VolumeSource). */
  inline?: boolean;
}

type Fields = Record<number, FieldDef>;

const f = (name: string, type: FieldDef['type'], extra: Partial<FieldDef> = {}): FieldDef => ({
  name,
  type,
  ...extra,
});
const list = (name: string, type: FieldDef['type']): FieldDef => f(name, type, { repeated: true });
const map = (name: string, type: FieldDef['type']): FieldDef => f(name, type, { map: true });
const inline = (type: string): FieldDef => f(type, type, { inline: true });

export const MESSAGES: Record<string, Fields> = {
  TypeMeta: { 1: f('apiVersion', 'string'), 2: f('kind', 'string') },
  ObjectMeta: {
    1: f('name', 'string'),
    2: f('generateName', 'string'),
    3: f('namespace', 'string'),
    4: f('selfLink', 'string'),
    5: f('uid', 'string'),
    6: f('resourceVersion', 'string'),
    7: f('generation', 'int'),
    8: f('creationTimestamp', 'time'),
    9: f('deletionTimestamp', 'time'),
    10: f('deletionGracePeriodSeconds', 'int'),
    11: map('labels', 'string'),
    12: map('annotations', 'string'),
    13: list('ownerReferences', 'OwnerReference'),
    14: list('finalizers', 'string'),
  },
  OwnerReference: {
    1: f('kind', 'string'),
    3: f('name', 'string'),
    4: f('uid', 'string'),
    5: f('apiVersion', 'string'),
    6: f('controller', 'bool'),
    7: f('blockOwnerDeletion', 'bool'),
  },
  LabelSelector: {
    1: map('matchLabels', 'string'),
    2: list('matchExpressions', 'LabelSelectorRequirement'),
  },
  LabelSelectorRequirement: {
    1: f('key', 'string'),
    2: f('operator', 'string'),
    3: list('values', 'string'),
  },
  Namespace: {
    1: f('metadata', 'ObjectMeta'),
    2: f('spec', 'NamespaceSpec'),
    3: f('status', 'skip'),
  },
  NamespaceSpec: { 1: list('finalizers', 'string') },
  ConfigMap: {
    1: f('metadata', 'ObjectMeta'),
    2: map('data', 'string'),
    3: map('binaryData', 'bytes'),
    4: f('immutable', 'bool'),
  },
  Secret: {
    1: f('metadata', 'ObjectMeta'),
    2: map('data', 'bytes'),
    3: f('type', 'string'),
    4: map('stringData', 'string'),
    5: f('immutable', 'bool'),
  },
  ServiceAccount: {
    1: f('metadata', 'ObjectMeta'),
    2: list('secrets', 'ObjectReference'),
    3: list('imagePullSecrets', 'LocalObjectReference'),
    4: f('automountServiceAccountToken', 'bool'),
  },
  ObjectReference: {
    1: f('kind', 'string'),
    2: f('namespace', 'string'),
    3: f('name', 'string'),
    4: f('uid', 'string'),
    5: f('apiVersion', 'string'),
    6: f('resourceVersion', 'string'),
    7: f('fieldPath', 'string'),
  },
  LocalObjectReference: { 1: f('name', 'string') },
  Pod: { 1: f('metadata', 'ObjectMeta'), 2: f('spec', 'PodSpec'), 3: f('status', 'skip') },
  PodTemplateSpec: { 1: f('metadata', 'ObjectMeta'), 2: f('spec', 'PodSpec') },
  PodSpec: {
    1: list('volumes', 'Volume'),
    2: list('containers', 'Container'),
    3: f('restartPolicy', 'string'),
    4: f('terminationGracePeriodSeconds', 'int'),
    5: f('activeDeadlineSeconds', 'int'),
    6: f('dnsPolicy', 'string'),
    7: map('nodeSelector', 'string'),
    8: f('serviceAccountName', 'string'),
    9: f('serviceAccount', 'string'),
    10: f('nodeName', 'string'),
    11: f('hostNetwork', 'bool'),
    12: f('hostPID', 'bool'),
    13: f('hostIPC', 'bool'),
    14: f('securityContext', 'skip'),
    15: list('imagePullSecrets', 'LocalObjectReference'),
    16: f('hostname', 'string'),
    17: f('subdomain', 'string'),
    19: f('schedulerName', 'string'),
    20: list('initContainers', 'Container'),
    21: f('automountServiceAccountToken', 'bool'),
    22: list('tolerations', 'Toleration'),
    24: f('priorityClassName', 'string'),
    25: f('priority', 'int'),
    30: f('enableServiceLinks', 'bool'),
    31: f('preemptionPolicy', 'string'),
  },
  Toleration: {
    1: f('key', 'string'),
    2: f('operator', 'string'),
    3: f('value', 'string'),
    4: f('effect', 'string'),
    5: f('tolerationSeconds', 'int'),
  },
  // Volumes as the API server fills them in (a pod copied by `kubectl debug --copy-to` carries
  // its kube-api-access projected volume), for the sources the kubelet supports.
  Volume: { 1: f('name', 'string'), 2: inline('VolumeSource') },
  VolumeSource: {
    1: f('hostPath', 'HostPathVolumeSource'),
    2: f('emptyDir', 'EmptyDirVolumeSource'),
    6: f('secret', 'SecretVolumeSource'),
    10: f('persistentVolumeClaim', 'PersistentVolumeClaimVolumeSource'),
    16: f('downwardAPI', 'DownwardAPIVolumeSource'),
    19: f('configMap', 'ConfigMapVolumeSource'),
    26: f('projected', 'ProjectedVolumeSource'),
  },
  HostPathVolumeSource: { 1: f('path', 'string'), 2: f('type', 'string') },
  EmptyDirVolumeSource: { 1: f('medium', 'string'), 2: f('sizeLimit', 'quantity') },
  SecretVolumeSource: {
    1: f('secretName', 'string'),
    2: list('items', 'KeyToPath'),
    3: f('defaultMode', 'int'),
    4: f('optional', 'bool'),
  },
  PersistentVolumeClaimVolumeSource: { 1: f('claimName', 'string'), 2: f('readOnly', 'bool') },
  DownwardAPIVolumeSource: {
    1: list('items', 'DownwardAPIVolumeFile'),
    2: f('defaultMode', 'int'),
  },
  ConfigMapVolumeSource: {
    1: inline('LocalObjectReference'),
    2: list('items', 'KeyToPath'),
    3: f('defaultMode', 'int'),
    4: f('optional', 'bool'),
  },
  ProjectedVolumeSource: { 1: list('sources', 'VolumeProjection'), 2: f('defaultMode', 'int') },
  VolumeProjection: {
    1: f('secret', 'SecretProjection'),
    2: f('downwardAPI', 'DownwardAPIProjection'),
    3: f('configMap', 'ConfigMapProjection'),
    4: f('serviceAccountToken', 'ServiceAccountTokenProjection'),
  },
  SecretProjection: {
    1: inline('LocalObjectReference'),
    2: list('items', 'KeyToPath'),
    4: f('optional', 'bool'),
  },
  ConfigMapProjection: {
    1: inline('LocalObjectReference'),
    2: list('items', 'KeyToPath'),
    4: f('optional', 'bool'),
  },
  DownwardAPIProjection: { 1: list('items', 'DownwardAPIVolumeFile') },
  ServiceAccountTokenProjection: {
    1: f('audience', 'string'),
    2: f('expirationSeconds', 'int'),
    3: f('path', 'string'),
  },
  KeyToPath: { 1: f('key', 'string'), 2: f('path', 'string'), 3: f('mode', 'int') },
  DownwardAPIVolumeFile: {
    1: f('path', 'string'),
    2: f('fieldRef', 'ObjectFieldSelector'),
    3: f('resourceFieldRef', 'ResourceFieldSelector'),
    4: f('mode', 'int'),
  },
  ObjectFieldSelector: { 1: f('apiVersion', 'string'), 2: f('fieldPath', 'string') },
  ResourceFieldSelector: {
    1: f('containerName', 'string'),
    2: f('resource', 'string'),
    3: f('divisor', 'quantity'),
  },
  VolumeMount: {
    1: f('name', 'string'),
    2: f('readOnly', 'bool'),
    3: f('mountPath', 'string'),
    4: f('subPath', 'string'),
    5: f('mountPropagation', 'string'),
    6: f('subPathExpr', 'string'),
    7: f('recursiveReadOnly', 'string'),
  },
  Container: {
    1: f('name', 'string'),
    2: f('image', 'string'),
    3: list('command', 'string'),
    4: list('args', 'string'),
    5: f('workingDir', 'string'),
    6: list('ports', 'ContainerPort'),
    7: list('env', 'EnvVar'),
    8: f('resources', 'ResourceRequirements'),
    9: list('volumeMounts', 'VolumeMount'),
    13: f('terminationMessagePath', 'string'),
    14: f('imagePullPolicy', 'string'),
    16: f('stdin', 'bool'),
    17: f('stdinOnce', 'bool'),
    18: f('tty', 'bool'),
    20: f('terminationMessagePolicy', 'string'),
  },
  ContainerPort: {
    1: f('name', 'string'),
    2: f('hostPort', 'int'),
    3: f('containerPort', 'int'),
    4: f('protocol', 'string'),
    5: f('hostIP', 'string'),
  },
  EnvVar: { 1: f('name', 'string'), 2: f('value', 'string'), 3: f('valueFrom', 'EnvVarSource') },
  EnvVarSource: {
    1: f('fieldRef', 'ObjectFieldSelector'),
    2: f('resourceFieldRef', 'ResourceFieldSelector'),
    3: f('configMapKeyRef', 'KeySelector'),
    4: f('secretKeyRef', 'KeySelector'),
  },
  /** ConfigMapKeySelector and SecretKeySelector. */
  KeySelector: {
    1: inline('LocalObjectReference'),
    2: f('key', 'string'),
    3: f('optional', 'bool'),
  },
  ResourceRequirements: { 1: map('limits', 'quantity'), 2: map('requests', 'quantity') },
  Deployment: {
    1: f('metadata', 'ObjectMeta'),
    2: f('spec', 'DeploymentSpec'),
    3: f('status', 'skip'),
  },
  DeploymentSpec: {
    1: f('replicas', 'int'),
    2: f('selector', 'LabelSelector'),
    3: f('template', 'PodTemplateSpec'),
    4: f('strategy', 'DeploymentStrategy'),
    5: f('minReadySeconds', 'int'),
    6: f('revisionHistoryLimit', 'int'),
    7: f('paused', 'bool'),
    9: f('progressDeadlineSeconds', 'int'),
  },
  DeploymentStrategy: { 1: f('type', 'string') },
  Service: { 1: f('metadata', 'ObjectMeta'), 2: f('spec', 'ServiceSpec'), 3: f('status', 'skip') },
  ServiceSpec: {
    1: list('ports', 'ServicePort'),
    2: map('selector', 'string'),
    3: f('clusterIP', 'string'),
    4: f('type', 'string'),
    5: list('externalIPs', 'string'),
    7: f('sessionAffinity', 'string'),
    8: f('loadBalancerIP', 'string'),
    9: list('loadBalancerSourceRanges', 'string'),
    10: f('externalName', 'string'),
    11: f('externalTrafficPolicy', 'string'),
    12: f('healthCheckNodePort', 'int'),
    13: f('publishNotReadyAddresses', 'bool'),
    17: f('ipFamilyPolicy', 'string'),
    18: list('clusterIPs', 'string'),
    19: list('ipFamilies', 'string'),
    20: f('allocateLoadBalancerNodePorts', 'bool'),
    21: f('loadBalancerClass', 'string'),
    22: f('internalTrafficPolicy', 'string'),
  },
  ServicePort: {
    1: f('name', 'string'),
    2: f('protocol', 'string'),
    3: f('port', 'int'),
    4: f('targetPort', 'intstr'),
    5: f('nodePort', 'int'),
  },
  Job: { 1: f('metadata', 'ObjectMeta'), 2: f('spec', 'JobSpec'), 3: f('status', 'skip') },
  JobSpec: {
    1: f('parallelism', 'int'),
    2: f('completions', 'int'),
    3: f('activeDeadlineSeconds', 'int'),
    4: f('selector', 'LabelSelector'),
    5: f('manualSelector', 'bool'),
    6: f('template', 'PodTemplateSpec'),
    7: f('backoffLimit', 'int'),
    8: f('ttlSecondsAfterFinished', 'int'),
    9: f('completionMode', 'string'),
    10: f('suspend', 'bool'),
  },
  CronJob: { 1: f('metadata', 'ObjectMeta'), 2: f('spec', 'CronJobSpec'), 3: f('status', 'skip') },
  CronJobSpec: {
    1: f('schedule', 'string'),
    2: f('startingDeadlineSeconds', 'int'),
    3: f('concurrencyPolicy', 'string'),
    4: f('suspend', 'bool'),
    5: f('jobTemplate', 'JobTemplateSpec'),
    6: f('successfulJobsHistoryLimit', 'int'),
    7: f('failedJobsHistoryLimit', 'int'),
    8: f('timeZone', 'string'),
  },
  JobTemplateSpec: { 1: f('metadata', 'ObjectMeta'), 2: f('spec', 'JobSpec') },
  // authentication.k8s.io/v1, as `kubectl create token` and `kubectl auth whoami` send them.
  SelfSubjectReview: { 1: f('metadata', 'ObjectMeta'), 2: f('status', 'skip') },
  TokenRequest: {
    1: f('metadata', 'ObjectMeta'),
    2: f('spec', 'TokenRequestSpec'),
    3: f('status', 'skip'),
  },
  TokenRequestSpec: {
    1: list('audiences', 'string'),
    3: f('boundObjectRef', 'BoundObjectReference'),
    4: f('expirationSeconds', 'int'),
  },
  BoundObjectReference: {
    1: f('kind', 'string'),
    2: f('apiVersion', 'string'),
    3: f('name', 'string'),
    4: f('uid', 'string'),
  },
  // authorization.k8s.io/v1, as `kubectl auth can-i` sends them.
  SelfSubjectAccessReview: {
    1: f('metadata', 'ObjectMeta'),
    2: f('spec', 'SelfSubjectAccessReviewSpec'),
    3: f('status', 'skip'),
  },
  SelfSubjectAccessReviewSpec: {
    1: f('resourceAttributes', 'ResourceAttributes'),
    2: f('nonResourceAttributes', 'NonResourceAttributes'),
  },
  ResourceAttributes: {
    1: f('namespace', 'string'),
    2: f('verb', 'string'),
    3: f('group', 'string'),
    4: f('version', 'string'),
    5: f('resource', 'string'),
    6: f('subresource', 'string'),
    7: f('name', 'string'),
    8: f('fieldSelector', 'SelectorAttributes'),
    9: f('labelSelector', 'SelectorAttributes'),
  },
  /** FieldSelectorAttributes and LabelSelectorAttributes: a raw selector or its requirements. */
  SelectorAttributes: {
    1: f('rawSelector', 'string'),
    2: list('requirements', 'LabelSelectorRequirement'),
  },
  NonResourceAttributes: { 1: f('path', 'string'), 2: f('verb', 'string') },
  SelfSubjectRulesReview: {
    1: f('metadata', 'ObjectMeta'),
    2: f('spec', 'SelfSubjectRulesReviewSpec'),
    3: f('status', 'skip'),
  },
  SelfSubjectRulesReviewSpec: { 1: f('namespace', 'string') },
  // policy/v1 Eviction (`kubectl drain`), and the DeleteOptions typed clients send with a DELETE.
  Eviction: { 1: f('metadata', 'ObjectMeta'), 2: f('deleteOptions', 'DeleteOptions') },
  DeleteOptions: {
    1: f('gracePeriodSeconds', 'int'),
    2: f('preconditions', 'Preconditions'),
    3: f('orphanDependents', 'bool'),
    4: f('propagationPolicy', 'string'),
    5: list('dryRun', 'string'),
    6: f('ignoreStoreReadErrorWithClusterBreakingPotential', 'bool'),
  },
  Preconditions: { 1: f('uid', 'string'), 2: f('resourceVersion', 'string') },
  // scheduling.k8s.io/v1, as `kubectl create priorityclass` sends it.
  PriorityClass: {
    1: f('metadata', 'ObjectMeta'),
    2: f('value', 'int'),
    3: f('globalDefault', 'bool'),
    4: f('description', 'string'),
    5: f('preemptionPolicy', 'string'),
  },
};

/** The top-level message for each kind kubectl may send as protobuf. */
export const KINDS: Record<string, string> = {
  Namespace: 'Namespace',
  ConfigMap: 'ConfigMap',
  Secret: 'Secret',
  ServiceAccount: 'ServiceAccount',
  Pod: 'Pod',
  Deployment: 'Deployment',
  Service: 'Service',
  Job: 'Job',
  CronJob: 'CronJob',
  TokenRequest: 'TokenRequest',
  SelfSubjectReview: 'SelfSubjectReview',
  SelfSubjectAccessReview: 'SelfSubjectAccessReview',
  SelfSubjectRulesReview: 'SelfSubjectRulesReview',
  Eviction: 'Eviction',
  DeleteOptions: 'DeleteOptions',
  PriorityClass: 'PriorityClass',
};
