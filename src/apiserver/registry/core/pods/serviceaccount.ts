// The ServiceAccount admission plugin for pods (after plugin/pkg/admission/serviceaccount): a pod
// runs as spec.serviceAccountName ("default" when unset), which must exist; unless the pod or its
// ServiceAccount sets automountServiceAccountToken to false, every container (init containers
// too) mounts a projected `kube-api-access-<random>` volume read-only at
// /var/run/secrets/kubernetes.io/serviceaccount: a bound token (3607 s), the cluster CA from the
// kube-root-ca.crt ConfigMap, and the namespace. A container that already mounts something at
// that path is left alone.
import { forbiddenObject } from '../../../../api/status.js';
import type { KubeObject } from '../../../../api/types.js';
import type { Strategy } from '../../strategy.js';

type Json = Record<string, unknown>;

export const TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
const VOLUME_PREFIX = 'kube-api-access-';
/** Upstream's WarnOnlyBoundTokenExpirationSeconds: one hour and seven seconds. */
export const TOKEN_VOLUME_EXPIRATION = 3607;
const PODS = { group: '', resource: 'pods' };
const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

/** Finds a ServiceAccount of the pod's namespace. */
export type ServiceAccountLookup = (namespace: string, name: string) => KubeObject | undefined;

/** The projected volume source upstream's TokenVolumeSource describes. */
export function tokenVolumeSource(): Json {
  return {
    defaultMode: 0o644,
    sources: [
      { serviceAccountToken: { expirationSeconds: TOKEN_VOLUME_EXPIRATION, path: 'token' } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      {
        downwardAPI: {
          items: [
            { path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } },
          ],
        },
      },
    ],
  };
}

export function admitServiceAccount(
  pod: KubeObject,
  lookup: ServiceAccountLookup,
  suffix: () => string,
): void {
  if (typeof pod.spec !== 'object' || pod.spec === null) return;
  if (pod.metadata.annotations?.[MIRROR_ANNOTATION] !== undefined) return;
  const spec = pod.spec as Json;
  const ns = pod.metadata.namespace ?? 'default';
  let name = typeof spec.serviceAccountName === 'string' ? spec.serviceAccountName : '';
  if (name === '' && typeof spec.serviceAccount === 'string') name = spec.serviceAccount;
  if (name === '') name = 'default';
  spec.serviceAccountName = name;
  // The v1 form also carries the deprecated field, as upstream's conversion writes it.
  spec.serviceAccount = name;
  const sa = lookup(ns, name);
  // `default` is made by the ServiceAccounts controller just after its namespace; a pod created
  // in that instant (or on an API server without controllers) is admitted as if it existed.
  if (!sa && name !== 'default') {
    throw forbiddenObject(
      PODS,
      pod.metadata.name ?? '',
      `error looking up service account ${ns}/${name}: serviceaccount "${name}" not found`,
    );
  }
  const automount =
    typeof spec.automountServiceAccountToken === 'boolean'
      ? spec.automountServiceAccountToken
      : typeof sa?.automountServiceAccountToken === 'boolean'
        ? sa.automountServiceAccountToken
        : true;
  if (!automount) return;
  const volumes = (Array.isArray(spec.volumes) ? spec.volumes : []) as Json[];
  const existing = volumes.find(
    (v) => typeof v.name === 'string' && v.name.startsWith(VOLUME_PREFIX),
  );
  const volumeName = existing ? String(existing.name) : `${VOLUME_PREFIX}${suffix()}`;
  let needed = false;
  for (const field of ['initContainers', 'containers']) {
    const list = spec[field];
    if (!Array.isArray(list)) continue;
    for (const c of list as Json[]) {
      const mounts = (Array.isArray(c.volumeMounts) ? c.volumeMounts : []) as Json[];
      if (mounts.some((m) => m.mountPath === TOKEN_MOUNT_PATH)) continue;
      c.volumeMounts = [
        ...mounts,
        { name: volumeName, readOnly: true, mountPath: TOKEN_MOUNT_PATH },
      ];
      needed = true;
    }
  }
  if (!existing && needed) {
    spec.volumes = [...volumes, { name: volumeName, projected: tokenVolumeSource() }];
  }
}

/** The pod strategy with ServiceAccount admission on create. */
export function withServiceAccountAdmission(
  base: Strategy,
  lookup: ServiceAccountLookup,
  suffix: () => string,
): Strategy {
  return {
    ...base,
    prepareForCreate(obj, ctx) {
      admitServiceAccount(obj, lookup, suffix);
      return base.prepareForCreate?.(obj, ctx);
    },
  };
}
