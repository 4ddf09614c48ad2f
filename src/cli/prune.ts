// `kbox apply --prune`: kubectl 1.32's legacy pruning (pkg/cmd/apply/prune.go), adapted to an
// apply that is always server-side. kubectl lists each allowlisted kind by label selector in every
// namespace an applied object went to (cluster-scoped kinds once), skips what this apply just
// wrote (by UID), and deletes only objects "created by apply". kubectl recognises those by the
// last-applied-configuration annotation and therefore refuses --prune with --server-side; kbox
// writes no such annotation, so its equivalent is a managedFields entry with operation Apply by
// this apply's field manager (objects kubectl applied client-side, with the annotation, count too).
import { isStatusError } from '../api/status.js';
import type { KubeObject } from '../api/types.js';
import { resourcePath, type KubeClient } from '../client/rest.js';
import type { ApiResource } from './resources.js';
import { CliError } from './cluster.js';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** kubectl's default allowlist (group/version/kind), in the order it prunes. */
const DEFAULT_ALLOWLIST = [
  'core/v1/ConfigMap',
  'core/v1/Endpoints',
  'core/v1/Namespace',
  'core/v1/PersistentVolumeClaim',
  'core/v1/PersistentVolume',
  'core/v1/Pod',
  'core/v1/ReplicationController',
  'core/v1/Secret',
  'core/v1/Service',
  'batch/v1/Job',
  'batch/v1/CronJob',
  'networking.k8s.io/v1/Ingress',
  'apps/v1/DaemonSet',
  'apps/v1/Deployment',
  'apps/v1/ReplicaSet',
  'apps/v1/StatefulSet',
];

/**
 * The kinds to prune. An explicit allowlist must name served kinds (kubectl's error otherwise);
 * default kinds this server does not serve are skipped (kubectl fails on them instead).
 */
export function pruneKinds(all: ApiResource[], allowlist: string[]): ApiResource[] {
  const explicit = allowlist.length > 0;
  const kinds: ApiResource[] = [];
  for (const gvk of explicit ? allowlist : DEFAULT_ALLOWLIST) {
    const parts = gvk.split('/');
    if (parts.length !== 3)
      throw new CliError(
        `invalid GroupVersionKind format: ${gvk}, please follow <group/version/kind>`,
      );
    const [g = '', version, kind] = parts;
    const group = g === 'core' ? '' : g;
    const r = all.find((x) => x.group === group && x.version === version && x.kind === kind);
    if (r) kinds.push(r);
    else if (explicit)
      throw new CliError(
        `error retrieving RESTMappings to prune: no matches for kind "${String(kind)}" in version "${group ? `${group}/` : ''}${String(version)}"`,
      );
  }
  return kinds;
}

export function appliedBy(obj: KubeObject, fieldManager: string): boolean {
  if (obj.metadata.annotations?.[LAST_APPLIED] !== undefined) return true;
  return (obj.metadata.managedFields ?? []).some(
    (m) => m.manager === fieldManager && m.operation === 'Apply',
  );
}

export interface PruneOptions {
  kinds: ApiResource[];
  namespaces: Iterable<string>;
  labelSelector?: string;
  visited: Set<string>;
  fieldManager: string;
  dryRun: 'none' | 'client' | 'server';
}

export interface Pruned {
  resource: ApiResource;
  namespace: string | undefined;
  name: string;
  uid: string | undefined;
}

/** Deletes (or with a dry run only lists) the objects `opts` selects; returns them in order. */
export async function prune(client: KubeClient, opts: PruneOptions): Promise<Pruned[]> {
  const out: Pruned[] = [];
  const pass = async (r: ApiResource, ns: string | undefined): Promise<void> => {
    const list = await client.list(r, ns, {
      ...(opts.labelSelector ? { labelSelector: opts.labelSelector } : {}),
    });
    for (const obj of list.items) {
      const name = obj.metadata.name ?? '';
      if (opts.visited.has(obj.metadata.uid ?? '') || !appliedBy(obj, opts.fieldManager)) continue;
      if (opts.dryRun !== 'client') {
        try {
          // With a body the server reads every option from it, the query ignored (as upstream).
          await client.call('DELETE', resourcePath(r, ns, name), {
            kind: 'DeleteOptions',
            apiVersion: 'v1',
            propagationPolicy: 'Background',
            ...(opts.dryRun === 'server' ? { dryRun: ['All'] } : {}),
          });
        } catch (err) {
          if (!isStatusError(err, 'NotFound')) throw err;
          continue;
        }
      }
      out.push({ resource: r, namespace: ns, name, uid: obj.metadata.uid });
    }
  };
  const namespaced = opts.kinds.filter((r) => r.namespaced);
  for (const ns of opts.namespaces) for (const r of namespaced) await pass(r, ns);
  for (const r of opts.kinds.filter((x) => !x.namespaced)) await pass(r, undefined);
  return out;
}

/** Resolves once every pruned object is gone (or replaced: another UID under the same name). */
export async function waitGone(client: KubeClient, pruned: Pruned[], pollMs = 200): Promise<void> {
  for (const p of pruned) {
    for (;;) {
      try {
        const cur = await client.get(p.resource, p.namespace, p.name);
        if (cur.metadata.uid !== p.uid) break;
      } catch (err) {
        if (isStatusError(err, 'NotFound')) break;
        throw err;
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }
}
