// `kbox get`: tables from the server (meta.k8s.io Table, the columns kubectl shows), objects as
// yaml/json/name/jsonpath/custom-columns, and -w. Free of oclif, so the fast entry
// (src/cli/fast.ts) runs it without loading the command framework.
import type { KubeObject } from '../api/types.js';
import { listQuery, resourcePath, type KubeClient } from '../client/rest.js';
import { CliError } from './cluster.js';
import {
  parseOutput,
  printCustomColumns,
  printObjects,
  renderRows,
  tableRows,
  type Table,
} from './printers.js';
import { sortByField } from './sort.js';
import { discoverCached, resolveTypes, typePrefix, type ApiResource } from './resources.js';
import type { Target } from './target.js';

const TABLE_ACCEPT =
  'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

/** The flags of `kbox get`, keyed as oclif parses them. */
export interface GetFlags {
  output?: string | undefined;
  selector?: string | undefined;
  'field-selector'?: string | undefined;
  'all-namespaces': boolean;
  watch: boolean;
  'show-labels': boolean;
  'no-headers': boolean;
  'show-managed-fields': boolean;
  'sort-by'?: string | undefined;
  namespace?: string | undefined;
}

export async function runGet(target: Target, args: string[], flags: GetFlags): Promise<void> {
  const client = target.client;
  const ns = flags['all-namespaces'] ? undefined : (flags.namespace ?? target.namespace);
  const output = parseOutput(flags.output);
  // Discovery from kubectl's kind of disk cache, checked against the types named here.
  const types = args.every((a) => a.includes('/'))
    ? args.map((a) => a.split('/')[0] ?? '')
    : args.slice(0, 1);
  const all = await discoverCached(client, target.discoveryCache, types);

  // Requests: TYPE NAME..., TYPE/NAME..., or TYPE[,TYPE] alone.
  const requests: Array<{ r: ApiResource; names: string[] }> = [];
  if (args.every((a) => a.includes('/'))) {
    for (const a of args) {
      const [t = '', name = ''] = a.split('/');
      const [r] = resolveTypes(all, t);
      if (r) requests.push({ r, names: [name] });
    }
  } else {
    const [types = '', ...names] = args;
    const rs = resolveTypes(all, types);
    if (names.length > 0 && rs.length > 1)
      throw new CliError('you may only specify a single resource type when giving names');
    for (const r of rs) requests.push({ r, names });
  }
  const multi = requests.length > 1 || (args.some((a) => a.includes('/')) && args.length > 1);
  // kubectl reads everything in one request when sorting (no chunks), and asks for whole
  // objects in table rows so that it can look into them.
  const sortBy = flags['sort-by'] || undefined;
  const query = {
    labelSelector: flags.selector,
    fieldSelector: flags['field-selector'],
    limit: sortBy === undefined ? 500 : undefined,
  };
  const tableUrl = (path: string): string =>
    sortBy === undefined ? path : `${path}${path.includes('?') ? '&' : '?'}includeObject=Object`;
  if (sortBy !== undefined && flags.watch) {
    process.stderr.write(
      'warning: --watch requested, --sort-by will be ignored for watch events received\n',
    );
  }

  if (output.kind === 'table') {
    // One Table per list, or per name given, in request order.
    let fetched: Array<{ r: ApiResource; table: Table }> = [];
    for (const { r, names } of requests) {
      const namespace = r.namespaced ? ns : undefined;
      const paths =
        names.length > 0
          ? names.map((name) => resourcePath(r, namespace, name))
          : [`${resourcePath(r, namespace)}${listQuery(query)}`];
      for (const path of paths) {
        const table = await client.call<Table>(
          'GET',
          tableUrl(path),
          undefined,
          undefined,
          TABLE_ACCEPT,
        );
        fetched.push({ r, table });
      }
    }
    if (sortBy !== undefined && fetched.length > 1 && !flags.watch) {
      // kubectl's RuntimeSorter: several Tables are ordered as objects, by the field of the
      // Table itself, which is why `get pods a b --sort-by=.metadata.name` fails there too.
      fetched = sortByField(fetched, sortBy, (f) => f.table, { site: 'objects' });
    }
    let printed = false;
    let lastRv = '';
    for (let i = 0; i < fetched.length;) {
      // Consecutive Tables of one resource print as one block under one header.
      const r = fetched[i]!.r;
      const group: Table[] = [];
      for (; i < fetched.length && fetched[i]!.r === r; i++) group.push(fetched[i]!.table);
      lastRv = group[0]?.metadata?.resourceVersion ?? '';
      const rowsOf: Array<Table['rows']> = [];
      for (const t of group) {
        // kubectl's SortingPrinter sorts a Table of several rows; when that fails, it prints
        // nothing of it and carries on (kubectl get ignores the printer's error).
        if (sortBy !== undefined && t.rows.length > 1) {
          try {
            rowsOf.push(
              sortByField(t.rows, sortBy, (row) => row.object, { site: 'table', lenient: true }),
            );
          } catch (err) {
            if (!(err instanceof CliError) || err.message === '') throw err;
            if (flags.watch)
              throw new CliError(`unable to output the provided object: ${err.message}`);
          }
        } else {
          rowsOf.push(t.rows);
        }
      }
      const merged: Table = {
        columnDefinitions: group[0]?.columnDefinitions ?? [],
        rows: rowsOf.flat(),
      };
      if (merged.rows.length === 0) continue;
      if (printed && !flags['no-headers']) process.stdout.write('\n');
      const rows = tableRows(merged, {
        wide: output.wide,
        withNamespace: flags['all-namespaces'] && r.namespaced,
        ...(multi ? { withType: r } : {}),
        showLabels: flags['show-labels'],
        noHeaders: flags['no-headers'],
      });
      process.stdout.write(renderRows(rows).text);
      printed = true;
    }
    if (!printed && !flags.watch) {
      process.stderr.write(
        ns === undefined || requests.every((q) => !q.r.namespaced)
          ? 'No resources found\n'
          : `No resources found in ${ns} namespace.\n`,
      );
    }
    if (flags.watch) {
      const req = requests[0];
      if (!req || requests.length > 1)
        throw new CliError('you may only watch a single resource type');
      await watchTable(
        client,
        req.r,
        req.r.namespaced ? ns : undefined,
        lastRv,
        query,
        output.wide,
        flags['all-namespaces'],
      );
    }
    return;
  }

  const objects: KubeObject[] = [];
  let single = false;
  for (const { r, names } of requests) {
    const namespace = r.namespaced ? ns : undefined;
    if (names.length > 0) {
      for (const name of names) objects.push(await client.get(r, namespace, name));
      single = requests.length === 1 && names.length === 1;
    } else {
      const list = await client.list(r, namespace, query);
      for (const item of list.items)
        objects.push({
          apiVersion: r.group === '' ? r.version : `${r.group}/${r.version}`,
          kind: r.kind,
          ...item,
        });
    }
  }
  // kubectl's SortingPrinter orders lists, not a single object asked for by name.
  const sorted =
    sortBy !== undefined && !single
      ? sortByField(objects, sortBy, (o) => o, { site: 'objects' })
      : objects;
  if (output.kind === 'custom-columns') {
    process.stdout.write(printCustomColumns(sorted, output.columns, flags['no-headers']));
    return;
  }
  if (output.kind === 'name') {
    const byKind = new Map(requests.map((q) => [q.r.kind, q.r]));
    for (const o of sorted) {
      const r = byKind.get(o.kind ?? '') ?? requests[0]?.r;
      process.stdout.write(
        `${r ? typePrefix(r) : String(o.kind).toLowerCase()}/${o.metadata.name ?? ''}\n`,
      );
    }
    return;
  }
  process.stdout.write(
    printObjects(sorted, single, output, { showManagedFields: flags['show-managed-fields'] }),
  );
}

async function watchTable(
  client: KubeClient,
  r: ApiResource,
  namespace: string | undefined,
  rv: string,
  query: { labelSelector?: string; fieldSelector?: string },
  wide: boolean,
  allNamespaces: boolean,
): Promise<void> {
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  let widths: number[] | undefined;
  let columns: Table['columnDefinitions'] = [];
  await client.watch(
    r,
    namespace,
    { ...query, resourceVersion: rv },
    (ev) => {
      const table = ev.object as unknown as Table;
      if (table.columnDefinitions?.length) columns = table.columnDefinitions;
      const rows = tableRows(
        { columnDefinitions: columns, rows: table.rows ?? [] },
        {
          wide,
          withNamespace: allNamespaces && r.namespaced,
          showLabels: false,
          noHeaders: true,
        },
      );
      const out = renderRows(rows, widths);
      widths = out.widths;
      process.stdout.write(out.text);
    },
    abort.signal,
    TABLE_ACCEPT,
  );
}
