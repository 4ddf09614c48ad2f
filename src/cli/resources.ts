// Resource names as users type them (pods, pod, po, deployments.apps, deploy, Deployment),
// resolved through the server's own discovery like kubectl's REST mapper: short names and
// categories come from the server, never from a table in the CLI.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { KubeClient, ResourceRef } from '../client/rest.js';
import { CliError } from './cluster.js';

export interface ApiResource extends ResourceRef {
  kind: string;
  singular: string;
  shortNames: string[];
  categories: string[];
  verbs: string[];
}

interface ResourceList {
  groupVersion: string;
  resources: Array<{
    name: string;
    singularName?: string;
    namespaced: boolean;
    kind: string;
    verbs?: string[];
    shortNames?: string[];
    categories?: string[];
  }>;
}

/** Aggregated discovery first (two requests), the legacy documents for servers without it. */
const AGGREGATED_ACCEPT =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';

interface GroupDiscoveryList {
  kind: string;
  items?: Array<{
    metadata?: { name?: string };
    versions?: Array<{
      version: string;
      freshness?: string;
      resources?: Array<{
        resource: string;
        responseKind?: { kind?: string };
        scope?: string;
        singularResource?: string;
        verbs?: string[];
        shortNames?: string[];
        categories?: string[];
      }>;
    }>;
  }>;
}

/**
 * Every resource of the server's preferred group-versions, as kubectl's discovery finds them:
 * from the aggregated documents at /api and /apis when the server serves them (the preferred
 * version is a group's first non-stale one), else from /apis and one list per group-version.
 */
export async function discover(client: KubeClient): Promise<ApiResource[]> {
  const [core, groups] = await Promise.all(
    ['/api', '/apis'].map((path) =>
      client.call<GroupDiscoveryList>('GET', path, undefined, undefined, AGGREGATED_ACCEPT),
    ),
  );
  if (core?.kind === 'APIGroupDiscoveryList' && groups?.kind === 'APIGroupDiscoveryList') {
    return fromAggregated([...(core.items ?? []), ...(groups.items ?? [])]);
  }
  return discoverLegacy(client, groups as unknown as { groups: GroupList });
}

function fromAggregated(items: NonNullable<GroupDiscoveryList['items']>): ApiResource[] {
  const out: ApiResource[] = [];
  for (const item of items) {
    const preferred = item.versions?.find((v) => v.freshness !== 'Stale');
    if (!preferred) continue;
    for (const r of preferred.resources ?? []) {
      const kind = r.responseKind?.kind ?? '';
      out.push({
        group: item.metadata?.name ?? '',
        version: preferred.version,
        resource: r.resource,
        namespaced: r.scope === 'Namespaced',
        kind,
        singular: r.singularResource || kind.toLowerCase(),
        shortNames: r.shortNames ?? [],
        categories: r.categories ?? [],
        verbs: r.verbs ?? [],
      });
    }
  }
  return out;
}

type GroupList = Array<{ preferredVersion?: { groupVersion: string } }>;

async function discoverLegacy(
  client: KubeClient,
  groups: { groups: GroupList },
): Promise<ApiResource[]> {
  const gvs = [
    'v1',
    ...groups.groups.map((g) => g.preferredVersion?.groupVersion).filter((g): g is string => !!g),
  ];
  const lists = await Promise.all(
    gvs.map((gv) =>
      client
        .call<ResourceList>('GET', gv === 'v1' ? '/api/v1' : `/apis/${gv}`)
        .catch(() => undefined),
    ),
  );
  const out: ApiResource[] = [];
  for (const list of lists) {
    if (!list) continue;
    const [group, version] = list.groupVersion.includes('/')
      ? list.groupVersion.split('/')
      : ['', list.groupVersion];
    for (const r of list.resources) {
      if (r.name.includes('/')) continue;
      out.push({
        group: group ?? '',
        version: version ?? 'v1',
        resource: r.name,
        namespaced: r.namespaced,
        kind: r.kind,
        singular: r.singularName || r.kind.toLowerCase(),
        shortNames: r.shortNames ?? [],
        categories: r.categories ?? [],
        verbs: r.verbs ?? [],
      });
    }
  }
  return out;
}

/** Where a target's discovery is remembered, and what must match for the copy to be used. */
export interface DiscoveryCache {
  file: string;
  /** The server's identity (its URL; for a kbox cluster also the daemon's process). */
  key: string;
}

/** As long as kubectl keeps its discovery cache. */
const DISCOVERY_TTL_MS = 6 * 60 * 60 * 1000;

interface CachedDiscovery {
  key: string;
  fetchedAt: number;
  resources: ApiResource[];
}

/**
 * Discovery through a disk cache, as kubectl does it: a copy younger than six hours for the same
 * server is used as long as every type the user named resolves in it; a type it does not know
 * (a resource added since) refreshes it first. `types` are as typed: `pods`, `deploy,svc`, `all`.
 */
export async function discoverCached(
  client: KubeClient,
  cache: DiscoveryCache | undefined,
  types: readonly string[],
  now = Date.now(),
): Promise<ApiResource[]> {
  if (cache !== undefined) {
    const hit = readDiscovery(cache, now);
    if (hit !== undefined && types.every((t) => resolves(hit, t))) return hit;
  }
  const fresh = await discover(client);
  if (cache !== undefined)
    writeDiscovery(cache, { key: cache.key, fetchedAt: now, resources: fresh });
  return fresh;
}

function resolves(all: ApiResource[], types: string): boolean {
  try {
    resolveTypes(all, types);
    return true;
  } catch {
    return false;
  }
}

function readDiscovery(cache: DiscoveryCache, now: number): ApiResource[] | undefined {
  try {
    const c = JSON.parse(readFileSync(cache.file, 'utf8')) as CachedDiscovery;
    const fresh = c.key === cache.key && now >= c.fetchedAt && now - c.fetchedAt < DISCOVERY_TTL_MS;
    return fresh && Array.isArray(c.resources) ? c.resources : undefined;
  } catch {
    return undefined;
  }
}

function writeDiscovery(cache: DiscoveryCache, c: CachedDiscovery): void {
  try {
    mkdirSync(dirname(cache.file), { recursive: true, mode: 0o700 });
    const tmp = `${cache.file}.${process.pid}`;
    writeFileSync(tmp, JSON.stringify(c), { mode: 0o600 });
    renameSync(tmp, cache.file);
  } catch {
    // An unwritable cache only costs the next command its discovery requests.
  }
}

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(
        d[i - 1]![j]! + 1,
        d[i]![j - 1]! + 1,
        d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
  }
  return d[a.length]![b.length]!;
}

/** Resolves one type argument; unknown names fail with a suggestion. */
export function resolveResource(all: ApiResource[], typed: string): ApiResource {
  const lower = typed.toLowerCase();
  const [name, ...groupParts] = lower.split('.');
  const group = groupParts.join('.');
  const matches = all.filter(
    (r) =>
      (group === '' || r.group === group || `${r.version}.${r.group}` === group) &&
      (r.resource === name ||
        r.singular === name ||
        r.kind.toLowerCase() === name ||
        r.shortNames.includes(name ?? '')),
  );
  // Core and the first-listed groups win, like kubectl's priority order.
  if (matches[0]) return matches[0];
  const names = [...new Set(all.flatMap((r) => [r.resource, r.singular, ...r.shortNames]))];
  const best = names.map((n) => ({ n, d: distance(lower, n) })).sort((a, b) => a.d - b.d)[0];
  const hint = best && best.d <= 3 ? `; did you mean "${best.n}"?` : '';
  throw new CliError(`the server doesn't have a resource type "${typed}"${hint}`);
}

/** Expands a comma list of types, where a category such as "all" stands for its members. */
export function resolveTypes(all: ApiResource[], arg: string): ApiResource[] {
  const out: ApiResource[] = [];
  for (const t of arg.split(',').filter((s) => s !== '')) {
    const members = all.filter((r) => r.categories.includes(t.toLowerCase()));
    if (members.length > 0 && !all.some((r) => r.resource === t || r.shortNames.includes(t)))
      out.push(...members);
    else out.push(resolveResource(all, t));
  }
  return out;
}

/** `deployment.apps`, `pod`: the prefix kubectl prints in `-o name` and apply output. */
export function typePrefix(r: Pick<ApiResource, 'kind' | 'group'>): string {
  const kind = r.kind.toLowerCase();
  return r.group === '' ? kind : `${kind}.${r.group}`;
}
