// Small helpers the controllers share: controller references, readiness, label selection.
import { fromLabelSelector } from '../api/labels.js';
import type { KubeObject, OwnerReference } from '../api/types.js';
import type { ResourceRef } from '../client/rest.js';

export const PODS: ResourceRef = { group: '', version: 'v1', resource: 'pods', namespaced: true };
export const REPLICASETS: ResourceRef = {
  group: 'apps',
  version: 'v1',
  resource: 'replicasets',
  namespaced: true,
};
export const DEPLOYMENTS: ResourceRef = {
  group: 'apps',
  version: 'v1',
  resource: 'deployments',
  namespaced: true,
};
export const JOBS: ResourceRef = {
  group: 'batch',
  version: 'v1',
  resource: 'jobs',
  namespaced: true,
};
export const CRONJOBS: ResourceRef = {
  group: 'batch',
  version: 'v1',
  resource: 'cronjobs',
  namespaced: true,
};

export const SERVICES: ResourceRef = {
  group: '',
  version: 'v1',
  resource: 'services',
  namespaced: true,
};
export const ENDPOINTS: ResourceRef = {
  group: '',
  version: 'v1',
  resource: 'endpoints',
  namespaced: true,
};
export const ENDPOINTSLICES: ResourceRef = {
  group: 'discovery.k8s.io',
  version: 'v1',
  resource: 'endpointslices',
  namespaced: true,
};
export const NODES: ResourceRef = {
  group: '',
  version: 'v1',
  resource: 'nodes',
  namespaced: false,
};

export const LEASES: ResourceRef = {
  group: 'coordination.k8s.io',
  version: 'v1',
  resource: 'leases',
  namespaced: true,
};

export type Log = (msg: string, fields?: Record<string, unknown>) => void;

export function controllerRef(obj: Readonly<KubeObject>): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

export function ownerRefTo(owner: Readonly<KubeObject>): OwnerReference {
  return {
    apiVersion: owner.apiVersion ?? '',
    kind: owner.kind ?? '',
    name: owner.metadata.name ?? '',
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function selects(selector: unknown, obj: Readonly<KubeObject>): boolean {
  if (typeof selector !== 'object' || selector === null) return false;
  const s = fromLabelSelector(selector as Record<string, unknown>);
  return !s.isEmpty() && s.matches(obj.metadata.labels ?? {});
}

export function podReady(pod: Readonly<KubeObject>): boolean {
  const conditions =
    (pod.status as { conditions?: Array<{ type: string; status: string }> } | undefined)
      ?.conditions ?? [];
  return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Ready for at least minReadySeconds (by the Ready condition's transition time). */
export function podAvailable(
  pod: Readonly<KubeObject>,
  minReadySeconds: number,
  now: number,
): boolean {
  const conditions =
    (
      pod.status as
        | { conditions?: Array<{ type: string; status: string; lastTransitionTime?: string }> }
        | undefined
    )?.conditions ?? [];
  const ready = conditions.find((c) => c.type === 'Ready' && c.status === 'True');
  if (!ready) return false;
  if (minReadySeconds <= 0) return true;
  return now - Date.parse(ready.lastTransitionTime ?? '') >= minReadySeconds * 1000;
}

export function isActive(pod: Readonly<KubeObject>): boolean {
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  return !pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed';
}

export function replicasOf(obj: Readonly<KubeObject>): number {
  const r = (obj.spec as { replicas?: number } | undefined)?.replicas;
  return typeof r === 'number' ? r : 1;
}

export const STATEFULSETS: ResourceRef = {
  group: 'apps',
  version: 'v1',
  resource: 'statefulsets',
  namespaced: true,
};
export const DAEMONSETS: ResourceRef = {
  group: 'apps',
  version: 'v1',
  resource: 'daemonsets',
  namespaced: true,
};
export const CONTROLLERREVISIONS: ResourceRef = {
  group: 'apps',
  version: 'v1',
  resource: 'controllerrevisions',
  namespaced: true,
};
export const PERSISTENTVOLUMECLAIMS: ResourceRef = {
  group: '',
  version: 'v1',
  resource: 'persistentvolumeclaims',
  namespaced: true,
};
