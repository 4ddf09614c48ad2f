// Watch BOOKMARK objects as kube-apiserver sends them. The cacher's bookmark is a new, empty
// object of the resource's type (Cacher.newFunc) with only metadata.resourceVersion set, and
// the initial-events-end annotation on the bookmark that ends a watch list's initial events.
// encoding/json serialises that empty Go struct: kind and apiVersion, then metadata, whose
// zero creationTimestamp prints as null, then every field of the type that has no omitempty or
// is a struct (a struct is never omitted): `"spec":{"containers":null},"status":{}` for a Pod.
// The fields below are those of the k8s.io/api 1.32 types, in struct order.

const TEMPLATE = { metadata: { creationTimestamp: null }, spec: { containers: null } };

/** What follows metadata in the empty object of each kind, by `group/Kind`. */
const ZERO_FIELDS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  '/Pod': { spec: { containers: null }, status: {} },
  '/Event': {
    involvedObject: {},
    source: {},
    firstTimestamp: null,
    lastTimestamp: null,
    eventTime: null,
    reportingComponent: '',
    reportingInstance: '',
  },
  '/Namespace': { spec: {}, status: {} },
  '/Node': {
    spec: {},
    status: {
      daemonEndpoints: { kubeletEndpoint: { Port: 0 } },
      nodeInfo: {
        machineID: '',
        systemUUID: '',
        bootID: '',
        kernelVersion: '',
        osImage: '',
        containerRuntimeVersion: '',
        kubeletVersion: '',
        kubeProxyVersion: '',
        operatingSystem: '',
        architecture: '',
      },
    },
  },
  '/PersistentVolumeClaim': { spec: { resources: {} }, status: {} },
  '/PersistentVolume': { spec: {}, status: {} },
  '/Service': { spec: {}, status: { loadBalancer: {} } },
  'apps/ControllerRevision': { data: null, revision: 0 },
  'apps/DaemonSet': {
    spec: { selector: null, template: TEMPLATE, updateStrategy: {} },
    status: {
      currentNumberScheduled: 0,
      numberMisscheduled: 0,
      desiredNumberScheduled: 0,
      numberReady: 0,
    },
  },
  'apps/Deployment': { spec: { selector: null, template: TEMPLATE, strategy: {} }, status: {} },
  'apps/ReplicaSet': { spec: { selector: null, template: TEMPLATE }, status: { replicas: 0 } },
  'apps/StatefulSet': {
    spec: { selector: null, template: TEMPLATE, serviceName: '', updateStrategy: {} },
    status: { replicas: 0, availableReplicas: 0 },
  },
  'batch/CronJob': {
    spec: {
      schedule: '',
      jobTemplate: { metadata: { creationTimestamp: null }, spec: { template: TEMPLATE } },
    },
    status: {},
  },
  'batch/Job': { spec: { template: TEMPLATE }, status: {} },
  'coordination.k8s.io/Lease': { spec: {} },
  'events.k8s.io/Event': {
    eventTime: null,
    regarding: {},
    deprecatedSource: {},
    deprecatedFirstTimestamp: null,
    deprecatedLastTimestamp: null,
  },
  'discovery.k8s.io/EndpointSlice': { addressType: '', endpoints: null, ports: null },
  'scheduling.k8s.io/PriorityClass': { value: 0 },
  'storage.k8s.io/StorageClass': { provisioner: '' },
};

/** storage.InitialEventsAnnotationKey. */
export const INITIAL_EVENTS_END = 'k8s.io/initial-events-end';
/** metav1.InitialEventsListBlueprintAnnotationKey. */
export const INITIAL_EVENTS_LIST_BLUEPRINT = 'k8s.io/initial-events-list-blueprint';

export interface BookmarkKind {
  group: string;
  kind: string;
  apiVersion: string;
}

/**
 * The bookmark object of a kind at `resourceVersion`, with `annotations` (in key order, as Go
 * prints a map) when given.
 */
export function bookmarkObject(
  kind: BookmarkKind,
  resourceVersion: number,
  annotations?: Record<string, string>,
): Record<string, unknown> & { metadata: Record<string, unknown> } {
  return {
    kind: kind.kind,
    apiVersion: kind.apiVersion,
    metadata: {
      resourceVersion: String(resourceVersion),
      creationTimestamp: null,
      ...(annotations ? { annotations } : {}),
    },
    ...structuredClone(ZERO_FIELDS[`${kind.group}/${kind.kind}`] ?? {}),
  };
}

/**
 * The annotation value watch lists add to their initial-events-end bookmark in 1.32 (WatchList
 * on): the empty list of the resource, as the response's encoder writes it (json.Encoder, so a
 * trailing newline), in base64. `metadata` asks for the PartialObjectMetadataList form.
 */
export function listBlueprint(kind: BookmarkKind, metadata: boolean): string {
  const list = metadata
    ? { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1' }
    : { kind: `${kind.kind}List`, apiVersion: kind.apiVersion };
  const text = `${JSON.stringify({ ...list, metadata: {}, items: null })}\n`;
  return Buffer.from(text).toString('base64');
}
