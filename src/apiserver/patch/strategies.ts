// Strategic-merge-patch metadata of the built-in kinds: the `patchStrategy` / `patchMergeKey`
// struct tags of upstream's Go types (k8s.io/api core/v1, apps/v1, batch/v1, policy/v1,
// autoscaling/v2 and apimachinery meta/v1 ObjectMeta, as of Kubernetes 1.32), written as data.
//
// Only fields that carry a tag, or that lead to one, are listed. Every field not listed is merged
// like RFC 7386 does: maps merge recursively, lists and scalars are replaced.

/** How one field of an object is patched. */
export interface FieldPatchMeta {
  /**
   * `merge`: a list merged element by element (by `mergeKey` for lists of objects, as a set for
   * lists of scalars). `replace`: a map replaced wholesale instead of merged. Absent: the default.
   */
  readonly strategy?: 'merge' | 'replace';
  /** The element field that identifies list elements; required for merged lists of objects. */
  readonly mergeKey?: string;
  /**
   * Upstream's `retainKeys` strategy. The server honours a `$retainKeys` directive wherever a
   * patch carries one, so this only records the tag (clients use it to decide to send one).
   */
  readonly retainKeys?: true;
  /** Metadata of the field's value; for a list, of each element. */
  readonly fields?: PatchSchema;
}

/** Field name → patch metadata for one object type. */
export type PatchSchema = Readonly<Record<string, FieldPatchMeta>>;

/** Identifies a kind for patch metadata lookup; the core group is `''`. */
export interface SchemaKey {
  group: string;
  kind: string;
}

/** The metadata of `field` in `schema`, if listed (own properties only, never the prototype). */
export function fieldPatchMeta(schema: PatchSchema, field: string): FieldPatchMeta | undefined {
  return Object.hasOwn(schema, field) ? schema[field] : undefined;
}

function mergeBy(mergeKey: string, fields?: PatchSchema): FieldPatchMeta {
  return fields === undefined
    ? { strategy: 'merge', mergeKey }
    : { strategy: 'merge', mergeKey, fields };
}

/** A list of scalars merged as a set (finalizers, podCIDRs). */
const mergeScalars: FieldPatchMeta = { strategy: 'merge' };

function nested(fields: PatchSchema): FieldPatchMeta {
  return { fields };
}

const conditionsByType: PatchSchema = { conditions: mergeBy('type') };

const objectMeta: PatchSchema = {
  ownerReferences: mergeBy('uid'),
  finalizers: mergeScalars,
};

// Container and EphemeralContainer(Common) carry the same tags.
const container: PatchSchema = {
  ports: mergeBy('containerPort'),
  env: mergeBy('name'),
  volumeMounts: mergeBy('mountPath'),
  volumeDevices: mergeBy('devicePath'),
};

const podSpec: PatchSchema = {
  volumes: { strategy: 'merge', mergeKey: 'name', retainKeys: true },
  initContainers: mergeBy('name', container),
  containers: mergeBy('name', container),
  ephemeralContainers: mergeBy('name', container),
  imagePullSecrets: mergeBy('name'),
  hostAliases: mergeBy('ip'),
  topologySpreadConstraints: mergeBy('topologyKey'),
  schedulingGates: mergeBy('name'),
  resourceClaims: { strategy: 'merge', mergeKey: 'name', retainKeys: true },
  // tolerations, readinessGates, containers[].resizePolicy…: no tag, replaced.
};

const podStatus: PatchSchema = {
  conditions: mergeBy('type'),
  hostIPs: mergeBy('ip'),
  podIPs: mergeBy('ip'),
  resourceClaimStatuses: { strategy: 'merge', mergeKey: 'name', retainKeys: true },
  // containerStatuses and friends: no tag, replaced.
};

const podTemplateSpec: PatchSchema = {
  metadata: nested(objectMeta),
  spec: nested(podSpec),
};

/** A kind whose only tagged fields are in ObjectMeta. */
const metadataOnly: PatchSchema = { metadata: nested(objectMeta) };

/** A workload with `spec.template` (PodTemplateSpec) and `status.conditions` by type. */
function workload(extraSpec: PatchSchema = {}): PatchSchema {
  return {
    metadata: nested(objectMeta),
    spec: nested({ template: nested(podTemplateSpec), ...extraSpec }),
    status: nested(conditionsByType),
  };
}

/** Keyed by `core/<Kind>` for the core group, `<group>/<Kind>` otherwise. */
const schemas: Readonly<Record<string, PatchSchema>> = {
  'core/Pod': { metadata: nested(objectMeta), spec: nested(podSpec), status: nested(podStatus) },
  'core/PodTemplate': { metadata: nested(objectMeta), template: nested(podTemplateSpec) },
  'core/ReplicationController': workload(),
  'core/Service': {
    metadata: nested(objectMeta),
    // Upstream keys service ports by `port` alone, so two ports differing only in protocol collide.
    spec: nested({ ports: mergeBy('port') }),
    status: nested(conditionsByType),
  },
  'core/Node': {
    metadata: nested(objectMeta),
    spec: nested({ podCIDRs: mergeScalars }),
    status: nested({ conditions: mergeBy('type'), addresses: mergeBy('type') }),
  },
  'core/Namespace': { metadata: nested(objectMeta), status: nested(conditionsByType) },
  'core/PersistentVolumeClaim': { metadata: nested(objectMeta), status: nested(conditionsByType) },
  'core/ServiceAccount': { metadata: nested(objectMeta), secrets: mergeBy('name') },
  'core/ComponentStatus': { metadata: nested(objectMeta), conditions: mergeBy('type') },
  // Endpoints.subsets, Event, ConfigMap and Secret data…: no tags below ObjectMeta.
  'core/Endpoints': metadataOnly,
  'core/Event': metadataOnly,
  'core/ConfigMap': metadataOnly,
  'core/Secret': metadataOnly,
  'core/PersistentVolume': metadataOnly,
  'core/LimitRange': metadataOnly,
  'core/ResourceQuota': metadataOnly,
  'core/Binding': metadataOnly,

  // DeploymentSpec.strategy is tagged retainKeys: `kubectl apply` switching RollingUpdate →
  // Recreate sends `$retainKeys` so that `rollingUpdate` is dropped.
  'apps/Deployment': workload({ strategy: { retainKeys: true } }),
  'apps/ReplicaSet': workload(),
  'apps/StatefulSet': workload(),
  'apps/DaemonSet': workload(),
  'apps/ControllerRevision': metadataOnly,

  'batch/Job': workload(),
  'batch/CronJob': {
    metadata: nested(objectMeta),
    spec: nested({
      jobTemplate: nested({
        metadata: nested(objectMeta),
        spec: nested({ template: nested(podTemplateSpec) }),
      }),
    }),
  },

  'policy/PodDisruptionBudget': {
    metadata: nested(objectMeta),
    spec: nested({ selector: { strategy: 'replace' } }),
    status: nested(conditionsByType),
  },
  'autoscaling/HorizontalPodAutoscaler': {
    metadata: nested(objectMeta),
    status: nested(conditionsByType),
  },
  'autoscaling/Scale': metadataOnly,
  'coordination.k8s.io/Lease': metadataOnly,
  'discovery.k8s.io/EndpointSlice': metadataOnly,
  'events.k8s.io/Event': metadataOnly,
  'networking.k8s.io/Ingress': metadataOnly,
  'networking.k8s.io/IngressClass': metadataOnly,
  'networking.k8s.io/NetworkPolicy': metadataOnly,
  'rbac.authorization.k8s.io/Role': metadataOnly,
  'rbac.authorization.k8s.io/ClusterRole': metadataOnly,
  'rbac.authorization.k8s.io/RoleBinding': metadataOnly,
  'rbac.authorization.k8s.io/ClusterRoleBinding': metadataOnly,
  'scheduling.k8s.io/PriorityClass': metadataOnly,
  'storage.k8s.io/StorageClass': metadataOnly,
};

function schemaId(key: SchemaKey): string {
  return `${key.group === '' ? 'core' : key.group}/${key.kind}`;
}

/**
 * The patch metadata of a built-in kind, or undefined for kinds kbox has no Go-style type for
 * (custom resources): strategic merge patch then degrades to RFC 7386 semantics.
 */
export function patchSchemaFor(key: SchemaKey): PatchSchema | undefined {
  const id = schemaId(key);
  return Object.hasOwn(schemas, id) ? schemas[id] : undefined;
}

/**
 * Every listed kind's patch metadata, as `[group ('' for core), kind, schema]`: the build writes
 * it into the OpenAPI schemas as upstream's `x-kubernetes-patch-strategy` and
 * `x-kubernetes-patch-merge-key` markers, which clients such as kubectl's client-side apply read.
 */
export function patchSchemas(): Array<[group: string, kind: string, schema: PatchSchema]> {
  return Object.entries(schemas).map(([id, schema]) => {
    const slash = id.lastIndexOf('/');
    const group = id.slice(0, slash);
    return [group === 'core' ? '' : group, id.slice(slash + 1), schema];
  });
}

/** The `x-kubernetes-patch-strategy` value of a field's metadata, as upstream writes it. */
export function patchStrategyMarker(meta: FieldPatchMeta): string | undefined {
  const parts = [
    ...(meta.strategy !== undefined ? [meta.strategy] : []),
    ...(meta.retainKeys ? ['retainKeys'] : []),
  ];
  return parts.length > 0 ? parts.join(',') : undefined;
}
