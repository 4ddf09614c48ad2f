// Discovery documents, derived from the resource catalog: the legacy ones (/api, /api/v1, /apis,
// /apis/<g>, /apis/<g>/<v>) and the aggregated ones (apidiscovery.k8s.io APIGroupDiscoveryList at
// /api and /apis, when the client's Accept asks for them), which give a client every resource in
// two requests instead of one per group-version.
import { createHash } from 'node:crypto';
import { groupVersion, type ResourceInfo } from './resources.js';

/** The apidiscovery.k8s.io versions served: v2, and v2beta1 for clients before 1.30. */
export type AggregatedVersion = 'v2' | 'v2beta1';

/** An aggregated discovery document, serialised once, with its ETag (quoted, as sent). */
export interface AggregatedDocument {
  text: string;
  etag: string;
  contentType: string;
}

export interface Discovery {
  apiVersions(serverAddress: string): unknown;
  apiGroupList(): unknown;
  apiGroup(group: string): unknown | undefined;
  resourceList(group: string, version: string): unknown | undefined;
  /** The APIGroupDiscoveryList of /api (the core group) or /apis (every other group). */
  aggregated(root: 'api' | 'apis', version: AggregatedVersion): AggregatedDocument;
}

/**
 * A group-version's resources as upstream's ConvertGroupVersionIntoToDiscovery makes them from
 * its legacy APIResources: in path order (resources sorted, each with its subresources sorted),
 * responseKind's group and version set only where a subresource serves another group's kind
 * (as the legacy list's group/version), scope Namespaced or Cluster.
 */
function aggregatedResources(resources: readonly ResourceInfo[]): unknown[] {
  const sorted = [...resources].sort((a, b) => (a.resource < b.resource ? -1 : 1));
  return sorted.map((r) => {
    const entry: Record<string, unknown> = {
      resource: r.resource,
      responseKind: { group: '', version: '', kind: r.kind },
      scope: r.namespaced ? 'Namespaced' : 'Cluster',
      singularResource: r.singular,
      verbs: [...r.verbs],
    };
    if (r.shortNames) entry.shortNames = r.shortNames;
    if (r.categories) entry.categories = r.categories;
    const subs = [...(r.subresources ?? [])].sort((a, b) => (a.name < b.name ? -1 : 1));
    if (subs.length > 0) {
      entry.subresources = subs.map((sub) => ({
        subresource: sub.name,
        responseKind: {
          group: sub.group ?? '',
          version: sub.version ?? '',
          kind: sub.kind ?? r.kind,
        },
        verbs: sub.verbs,
      }));
    }
    return entry;
  });
}

/** Versions newest first, as upstream orders them (the first is the preferred one). */
function byVersionPriority(a: string, b: string): number {
  const parse = (v: string): [number, number, number] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [0, 0, 0];
    return [Number(m[1]), m[2] === undefined ? 2 : m[2] === 'beta' ? 1 : 0, Number(m[3] ?? 0)];
  };
  const [x, y] = [parse(a), parse(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return (y[i] ?? 0) - (x[i] ?? 0);
  return a < b ? -1 : 1;
}

function resourceEntries(resources: readonly ResourceInfo[]): unknown[] {
  const out: unknown[] = [];
  for (const r of resources) {
    const entry: Record<string, unknown> = {
      name: r.resource,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: [...r.verbs],
    };
    if (r.shortNames) entry.shortNames = r.shortNames;
    if (r.categories) entry.categories = r.categories;
    out.push(entry);
    for (const sub of r.subresources ?? []) {
      const subEntry: Record<string, unknown> = {
        name: `${r.resource}/${sub.name}`,
        singularName: '',
        namespaced: r.namespaced,
        kind: sub.kind ?? r.kind,
        verbs: sub.verbs,
      };
      if (sub.group !== undefined) subEntry.group = sub.group;
      if (sub.version !== undefined) subEntry.version = sub.version;
      out.push(subEntry);
    }
  }
  return out;
}

export function buildDiscovery(
  resources: readonly ResourceInfo[],
  groupOrder: readonly string[],
): Discovery {
  const byGroup = new Map<string, ResourceInfo[]>();
  for (const r of resources) {
    const list = byGroup.get(r.group) ?? [];
    list.push(r);
    byGroup.set(r.group, list);
  }
  const groupDoc = (group: string): Record<string, unknown> => {
    const versions = [...new Set((byGroup.get(group) ?? []).map((r) => r.version))];
    const gvs = versions.map((version) => ({ groupVersion: `${group}/${version}`, version }));
    return { name: group, versions: gvs, preferredVersion: gvs[0] };
  };
  const aggregatedDocs = new Map<string, AggregatedDocument>();
  const aggregated = (root: 'api' | 'apis', version: AggregatedVersion): AggregatedDocument => {
    const key = `${root} ${version}`;
    let doc = aggregatedDocs.get(key);
    if (doc === undefined) {
      const groups = root === 'api' ? [''] : groupOrder.filter((g) => g !== '' && byGroup.has(g));
      const items = groups.map((group) => {
        const resources = byGroup.get(group) ?? [];
        const versions = [...new Set(resources.map((r) => r.version))].sort(byVersionPriority);
        return {
          // An ObjectMeta with no creation time, as Go marshals it.
          metadata: { ...(group === '' ? {} : { name: group }), creationTimestamp: null },
          versions: versions.map((v) => ({
            version: v,
            resources: aggregatedResources(resources.filter((r) => r.version === v)),
            freshness: 'Current',
          })),
        };
      });
      const text = JSON.stringify({
        kind: 'APIGroupDiscoveryList',
        apiVersion: `apidiscovery.k8s.io/${version}`,
        metadata: {},
        items,
      });
      doc = {
        text,
        etag: `"${createHash('sha512').update(text).digest('hex').toUpperCase()}"`,
        contentType: `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`,
      };
      aggregatedDocs.set(key, doc);
    }
    return doc;
  };
  return {
    aggregated,
    apiVersions: (serverAddress) => ({
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
    }),
    apiGroupList: () => ({
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: groupOrder.filter((g) => byGroup.has(g)).map(groupDoc),
    }),
    apiGroup: (group) =>
      group !== '' && byGroup.has(group)
        ? { kind: 'APIGroup', apiVersion: 'v1', ...groupDoc(group) }
        : undefined,
    resourceList: (group, version) => {
      const list = (byGroup.get(group) ?? []).filter((r) => r.version === version);
      if (list.length === 0) return undefined;
      return {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: groupVersion({ group, version }),
        resources: resourceEntries(list),
      };
    },
  };
}
