// The catalog of every resource kbox serves: names, scope, discovery data, and the strategy the
// generic store applies. Discovery, OpenAPI, routing and storage keys all derive from this list.
import type { Strategy } from './registry/strategy.js';

export type Verb =
  'create' | 'delete' | 'deletecollection' | 'get' | 'list' | 'patch' | 'update' | 'watch';

export const ALL_VERBS: readonly Verb[] = [
  'create',
  'delete',
  'deletecollection',
  'get',
  'list',
  'patch',
  'update',
  'watch',
];

export interface SubresourceInfo {
  name: string;
  /** The kind served at the subresource, when it differs from the parent's. */
  kind?: string;
  group?: string;
  version?: string;
  verbs: string[];
}

export interface ResourceInfo {
  group: string;
  version: string;
  resource: string;
  kind: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  verbs: readonly Verb[];
  subresources?: SubresourceInfo[];
  /** metadata.generation starts at 1 and is bumped when anything but metadata/status changes. */
  generation?: boolean;
  /**
   * Which objects a name must be: DNS-1123 subdomain (default), label, DNS-1035 label, or just a
   * valid URL path segment.
   */
  nameFormat?: 'subdomain' | 'label' | 'label1035' | 'path';
  strategy?: Strategy;
  /**
   * The resource whose storage this one shares (events.k8s.io events are core events): objects
   * live under that resource's keys, in its shape, and the strategy's conversion maps them.
   */
  storedAs?: { group: string; resource: string };
}

export function groupVersion(r: { group: string; version: string }): string {
  return r.group === '' ? r.version : `${r.group}/${r.version}`;
}

const STATUS: SubresourceInfo = { name: 'status', verbs: ['get', 'patch', 'update'] };
const SCALE: SubresourceInfo = {
  name: 'scale',
  group: 'autoscaling',
  version: 'v1',
  kind: 'Scale',
  verbs: ['get', 'patch', 'update'],
};

function core(
  resource: string,
  kind: string,
  extra: Partial<ResourceInfo> = {},
): Omit<ResourceInfo, 'strategy'> {
  return {
    group: '',
    version: 'v1',
    resource,
    kind,
    singular: kind.toLowerCase(),
    namespaced: true,
    verbs: ALL_VERBS,
    ...extra,
  };
}

function grouped(
  group: string,
  version: string,
  resource: string,
  kind: string,
  extra: Partial<ResourceInfo> = {},
): Omit<ResourceInfo, 'strategy'> {
  return { ...core(resource, kind, extra), group, version };
}

/** Discovery data for every served resource, in the order upstream lists them. */
export const RESOURCE_DEFINITIONS: ReadonlyArray<Omit<ResourceInfo, 'strategy'>> = [
  core('configmaps', 'ConfigMap', { shortNames: ['cm'] }),
  core('endpoints', 'Endpoints', { shortNames: ['ep'], singular: 'endpoints' }),
  // Core events only need names that fit a URL path segment (no ObjectMeta rules of their own).
  core('events', 'Event', { shortNames: ['ev'], nameFormat: 'path' }),
  core('namespaces', 'Namespace', {
    namespaced: false,
    shortNames: ['ns'],
    nameFormat: 'label',
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: [{ name: 'finalize', verbs: ['update'] }, STATUS],
  }),
  core('nodes', 'Node', { namespaced: false, shortNames: ['no'], subresources: [STATUS] }),
  core('persistentvolumeclaims', 'PersistentVolumeClaim', {
    shortNames: ['pvc'],
    subresources: [STATUS],
  }),
  core('persistentvolumes', 'PersistentVolume', {
    namespaced: false,
    shortNames: ['pv'],
    subresources: [STATUS],
  }),
  core('pods', 'Pod', {
    shortNames: ['po'],
    categories: ['all'],
    subresources: [
      { name: 'attach', kind: 'PodAttachOptions', verbs: ['create', 'get'] },
      { name: 'binding', kind: 'Binding', verbs: ['create'] },
      { name: 'ephemeralcontainers', verbs: ['get', 'patch', 'update'] },
      { name: 'eviction', group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] },
      { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
      { name: 'log', verbs: ['get'] },
      { name: 'portforward', kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
      STATUS,
    ],
  }),
  core('secrets', 'Secret'),
  core('serviceaccounts', 'ServiceAccount', {
    shortNames: ['sa'],
    subresources: [
      {
        name: 'token',
        group: 'authentication.k8s.io',
        version: 'v1',
        kind: 'TokenRequest',
        verbs: ['create'],
      },
    ],
  }),
  core('services', 'Service', {
    shortNames: ['svc'],
    categories: ['all'],
    nameFormat: 'label1035',
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: [STATUS],
  }),
  grouped('apps', 'v1', 'controllerrevisions', 'ControllerRevision'),
  grouped('apps', 'v1', 'daemonsets', 'DaemonSet', {
    shortNames: ['ds'],
    categories: ['all'],
    generation: true,
    subresources: [STATUS],
  }),
  grouped('apps', 'v1', 'deployments', 'Deployment', {
    shortNames: ['deploy'],
    categories: ['all'],
    generation: true,
    subresources: [SCALE, STATUS],
  }),
  grouped('apps', 'v1', 'replicasets', 'ReplicaSet', {
    shortNames: ['rs'],
    categories: ['all'],
    generation: true,
    subresources: [SCALE, STATUS],
  }),
  grouped('apps', 'v1', 'statefulsets', 'StatefulSet', {
    shortNames: ['sts'],
    categories: ['all'],
    generation: true,
    subresources: [SCALE, STATUS],
  }),
  grouped('batch', 'v1', 'cronjobs', 'CronJob', {
    shortNames: ['cj'],
    categories: ['all'],
    generation: true,
    subresources: [STATUS],
  }),
  grouped('batch', 'v1', 'jobs', 'Job', {
    categories: ['all'],
    generation: true,
    subresources: [STATUS],
  }),
  grouped('coordination.k8s.io', 'v1', 'leases', 'Lease'),
  grouped('events.k8s.io', 'v1', 'events', 'Event', {
    shortNames: ['ev'],
    storedAs: { group: '', resource: 'events' },
  }),
  grouped('discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice', { generation: true }),
  grouped('scheduling.k8s.io', 'v1', 'priorityclasses', 'PriorityClass', {
    namespaced: false,
    shortNames: ['pc'],
  }),
  grouped('storage.k8s.io', 'v1', 'storageclasses', 'StorageClass', {
    namespaced: false,
    shortNames: ['sc'],
  }),
  grouped('authentication.k8s.io', 'v1', 'selfsubjectreviews', 'SelfSubjectReview', {
    namespaced: false,
    verbs: ['create'],
  }),
  grouped('authorization.k8s.io', 'v1', 'selfsubjectaccessreviews', 'SelfSubjectAccessReview', {
    namespaced: false,
    verbs: ['create'],
  }),
  grouped('authorization.k8s.io', 'v1', 'selfsubjectrulesreviews', 'SelfSubjectRulesReview', {
    namespaced: false,
    verbs: ['create'],
  }),
];

/** The API groups in the order /apis lists them (the preferred version first in each). */
export const API_GROUPS: readonly string[] = [
  'apps',
  'events.k8s.io',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'batch',
  'coordination.k8s.io',
  'discovery.k8s.io',
  'scheduling.k8s.io',
  'storage.k8s.io',
];
