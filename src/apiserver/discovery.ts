// Legacy discovery documents (/api, /api/v1, /apis, /apis/<g>, /apis/<g>/<v>), derived from the
// resource catalog. Aggregated discovery is not served: kubectl falls back to these documents.
import { groupVersion, type ResourceInfo } from './resources.js';

export interface Discovery {
  apiVersions(serverAddress: string): unknown;
  apiGroupList(): unknown;
  apiGroup(group: string): unknown | undefined;
  resourceList(group: string, version: string): unknown | undefined;
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
  return {
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
