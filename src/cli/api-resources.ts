// `api-resources`: the server's preferred resources as kubectl lists them (stable-sorted by API
// group unless --sort-by name|kind), with kubectl's columns and tabwriter layout. Unlike the get
// tables, a row keeps the padding of its last tab-terminated cell: kubectl's wide output ends
// with an empty CATEGORIES cell after padded VERBS, and that trailing space is part of its text.
import { CliError } from './cluster.js';
import { apiVersionOf } from './objects.js';
import type { ApiResource } from './resources.js';
import { columnWidths } from './table.js';

export interface ApiResourcesOptions {
  /** undefined: both scopes; else only namespaced (true) or cluster-scoped (false) resources. */
  namespaced: boolean | undefined;
  /** undefined: every group; '' is the core group. */
  apiGroup: string | undefined;
  verbs: string[];
  categories: string[];
  output: string | undefined;
  sortBy: string | undefined;
  noHeaders: boolean;
}

export function selectApiResources(all: ApiResource[], o: ApiResourcesOptions): ApiResource[] {
  const picked = all.filter(
    (r) =>
      (o.namespaced === undefined || r.namespaced === o.namespaced) &&
      (o.apiGroup === undefined || r.group === o.apiGroup) &&
      o.verbs.every((v) => r.verbs.includes(v)) &&
      o.categories.every((c) => r.categories.includes(c)),
  );
  const key = (r: ApiResource): string =>
    o.sortBy === 'name' ? r.resource : o.sortBy === 'kind' ? r.kind : r.group;
  // Array.prototype.sort is stable, like Go's sort.Stable here.
  return [...picked].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

export function renderApiResources(all: ApiResource[], o: ApiResourcesOptions): string {
  if (o.output !== undefined && o.output !== 'wide' && o.output !== 'name')
    throw new CliError(`--output ${o.output} is not available`);
  if (o.sortBy !== undefined && o.sortBy !== 'name' && o.sortBy !== 'kind')
    throw new CliError(`--sort-by accepts only name or kind`);
  const rs = selectApiResources(all, o);
  if (o.output === 'name')
    return rs
      .map((r) => (r.group === '' ? `${r.resource}\n` : `${r.resource}.${r.group}\n`))
      .join('');
  const wide = o.output === 'wide';
  const rows: string[][] = [];
  if (!o.noHeaders)
    rows.push([
      'NAME',
      'SHORTNAMES',
      'APIVERSION',
      'NAMESPACED',
      'KIND',
      ...(wide ? ['VERBS', 'CATEGORIES'] : []),
    ]);
  for (const r of rs)
    rows.push([
      r.resource,
      r.shortNames.join(','),
      apiVersionOf(r),
      String(r.namespaced),
      r.kind,
      ...(wide ? [[...new Set(r.verbs)].sort().join(','), r.categories.join(',')] : []),
    ]);
  const widths = columnWidths(rows);
  return rows
    .map(
      (row) =>
        row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('') + '\n',
    )
    .join('');
}
