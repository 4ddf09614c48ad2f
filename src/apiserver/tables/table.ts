// Server-side Table conversion (meta.k8s.io Table), the answer to `Accept: application/json;as=Table`.
// kubectl prints the cells verbatim, so each printer mirrors kube-apiserver 1.32's printer for its
// resource (pkg/printers/internalversion); resources without one get the generic apiserver
// convertor's Name / Created At columns. Contracts kept from upstream:
//   - every column is present (the server always prints "wide"); the client hides priority > 0;
//   - cells are strings, integers (JSON numbers) or booleans exactly where upstream has them,
//     even when the column's declared type says otherwise;
//   - ages are computed against the injected `now`, never a real clock.

import { rfc3339 } from '../../api/duration.js';
import type { KubeObject, ListMeta, ObjectMeta } from '../../api/types.js';
import { ageColumnDoc, column, nameColumn } from './columns.js';
import { printerFor } from './printers.js';

export type TableCell = string | number | boolean;

export interface TableColumnDefinition {
  name: string;
  /** OpenAPI type: string, integer, number, boolean, date. */
  type: string;
  /** OpenAPI format; "name" marks the column holding the object's name. */
  format: string;
  description: string;
  /** 0 is always shown; higher is shown only with `-o wide`. */
  priority: number;
}

export interface TableRowCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

export interface PartialObjectMetadata {
  kind: 'PartialObjectMetadata';
  apiVersion: string;
  metadata: ObjectMeta;
}

export interface TableRow {
  cells: TableCell[];
  conditions?: TableRowCondition[];
  /** Per `includeObject`: PartialObjectMetadata (default), the whole object, or absent. */
  object?: PartialObjectMetadata | KubeObject;
}

export type MetaVersion = 'v1' | 'v1beta1';

export interface Table {
  kind: 'Table';
  apiVersion: `meta.k8s.io/${MetaVersion}`;
  metadata: ListMeta;
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

/** TableOptions.includeObject; upstream treats an empty value as Metadata. */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableOptions {
  /** The instant ages are measured against. */
  now: Date;
  includeObject: IncludeObject;
  /** The list's metadata (resourceVersion, continue, remainingItemCount), copied to the Table. */
  listMeta?: ListMeta;
  /** The negotiated meta.k8s.io version (Accept `v=`); defaults to v1. */
  version?: MetaVersion;
  /**
   * False omits the column definitions, as the apiserver does for every watch event after the
   * first (TableOptions.noHeaders). Upstream then sends `null`; kbox sends `[]`, which kubectl
   * treats the same (it only remembers non-empty definitions).
   */
  includeColumns?: boolean;
}

/** The printable form of one object: its cells, plus row conditions where upstream sets them. */
export interface PrintedRow {
  cells: TableCell[];
  conditions?: TableRowCondition[];
}

/** Columns and row function for one resource; `row` must yield one cell per column. */
export interface TablePrinter {
  columns: readonly TableColumnDefinition[];
  row(obj: KubeObject, now: Date): PrintedRow;
}

export interface ResourceRef {
  group: string;
  resource: string;
}

/** Where the scale subresource's autoscaling/v1 Scale objects find their printer. */
export const SCALE_RESOURCE: ResourceRef = { group: 'autoscaling', resource: 'scale' };

/**
 * The generic apiserver convertor (registry/rest/table.go) for resources without a printer:
 * the name and the creation time as RFC 3339 in UTC, Go's zero time when unset.
 */
export const defaultPrinter: TablePrinter = {
  columns: [nameColumn, column('Created At', 'date', ageColumnDoc)],
  row(obj) {
    return { cells: [obj.metadata.name ?? '', rfc3339Seconds(obj.metadata.creationTimestamp)] };
  },
};

function rfc3339Seconds(ts: string | undefined): string {
  const ms = ts === undefined ? NaN : Date.parse(ts);
  if (Number.isNaN(ms)) return '0001-01-01T00:00:00Z';
  return rfc3339(ms);
}

/** The printer kube-apiserver 1.32 uses for `resource`, or the default Name / Created At one. */
export function tablePrinterFor(resource: ResourceRef): TablePrinter {
  return printerFor(resource.group, resource.resource) ?? defaultPrinter;
}

function rowObject(
  obj: KubeObject,
  includeObject: IncludeObject,
  version: MetaVersion,
): TableRow['object'] {
  switch (includeObject) {
    case 'None':
      return undefined;
    case 'Object':
      return obj;
    case 'Metadata':
      return {
        kind: 'PartialObjectMetadata',
        apiVersion: `meta.k8s.io/${version}`,
        metadata: { ...obj.metadata },
      };
  }
}

function buildTable(
  printer: TablePrinter,
  objects: readonly KubeObject[],
  metadata: ListMeta,
  opts: TableOptions,
): Table {
  const version = opts.version ?? 'v1';
  const rows = objects.map((obj): TableRow => {
    const printed = printer.row(obj, opts.now);
    const row: TableRow = { cells: printed.cells };
    if (printed.conditions !== undefined) row.conditions = printed.conditions;
    const object = rowObject(obj, opts.includeObject, version);
    if (object !== undefined) row.object = object;
    return row;
  });
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${version}`,
    metadata,
    columnDefinitions: opts.includeColumns === false ? [] : [...printer.columns],
    rows,
  };
}

/** ListMeta with upstream's omitempty behaviour (no empty strings, no undefined keys). */
function compactListMeta(meta: ListMeta | undefined): ListMeta {
  const out: ListMeta = {};
  if (meta?.resourceVersion) out.resourceVersion = meta.resourceVersion;
  if (meta?.continue) out.continue = meta.continue;
  if (meta?.remainingItemCount !== undefined) out.remainingItemCount = meta.remainingItemCount;
  return out;
}

/** The Table for a list response: one row per object, list metadata from `opts.listMeta`. */
export function toTable(
  resource: ResourceRef,
  objects: readonly KubeObject[],
  opts: TableOptions,
): Table {
  return buildTable(tablePrinterFor(resource), objects, compactListMeta(opts.listMeta), opts);
}

/**
 * The Table of `objects` through a printer made for them, for convertors outside the registry
 * whose columns depend on the objects (metrics.k8s.io's). The list metadata is `opts.listMeta`.
 */
export function toTableWith(
  printer: TablePrinter,
  objects: readonly KubeObject[],
  opts: TableOptions,
): Table {
  return buildTable(printer, objects, compactListMeta(opts.listMeta), opts);
}

/** The Table for a single-object GET: one row, resourceVersion taken from the object. */
export function toObjectTable(resource: ResourceRef, obj: KubeObject, opts: TableOptions): Table {
  return buildTable(
    tablePrinterFor(resource),
    [obj],
    compactListMeta({ resourceVersion: obj.metadata.resourceVersion }),
    opts,
  );
}

/**
 * The Table carried as the object of one watch event (ADDED/MODIFIED/DELETED). Upstream sends the
 * column definitions with the first event of a watch only: pass `includeColumns: false` after it.
 */
export function toWatchEventTable(
  resource: ResourceRef,
  obj: KubeObject,
  opts: TableOptions,
): Table {
  return toObjectTable(resource, obj, opts);
}
