// Output for get-like commands: the server's Table as kubectl prints it, or the raw objects as
// YAML, JSON, names or a JSONPath template. Data only; messages go to stderr elsewhere.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type { ScalarTag, Tags } from 'yaml';
import type { KubeObject } from '../api/types.js';
import { CliError } from './cluster.js';
import { evalJsonPath, jsonPathResults, relaxedJsonPath } from './jsonpath.js';
import { typePrefix, type ApiResource } from './resources.js';
import { columnWidths } from './table.js';
import { tabwrite } from './tabwriter.js';

// YAML is loaded only for -o yaml: tables and names spare the CLI its start-up cost.
const require = createRequire(import.meta.url);
const yaml = (): typeof Yaml => require('yaml') as typeof Yaml;

export interface TableColumn {
  name: string;
  type: string;
  format: string;
  priority: number;
}

export interface Table {
  columnDefinitions: TableColumn[];
  rows: Array<{ cells: unknown[]; object?: { metadata?: KubeObject['metadata'] } }>;
  metadata?: { resourceVersion?: string };
}

export type OutputFormat =
  | { kind: 'table'; wide: boolean }
  | { kind: 'yaml' | 'json' | 'name' }
  | { kind: 'jsonpath'; template: string }
  | { kind: 'custom-columns'; columns: CustomColumn[] };

/** One column of -o custom-columns: its header and a complete JSONPath template. */
export interface CustomColumn {
  header: string;
  path: string;
}

export function parseOutput(o: string | undefined): OutputFormat {
  if (o === undefined || o === '') return { kind: 'table', wide: false };
  if (o === 'wide') return { kind: 'table', wide: true };
  if (o === 'yaml' || o === 'json' || o === 'name') return { kind: o };
  const jp = /^jsonpath=(.*)$/s.exec(o);
  if (jp) return { kind: 'jsonpath', template: jp[1] ?? '' };
  const cc = /^custom-columns(?:=(.*))?$/s.exec(o);
  if (cc) return { kind: 'custom-columns', columns: customColumnsSpec(cc[1] ?? '') };
  const ccFile = /^custom-columns-file(?:=(.*))?$/s.exec(o);
  if (ccFile) {
    return {
      kind: 'custom-columns',
      columns: customColumnsTemplate(readTextFile(ccFile[1] ?? '')),
    };
  }
  throw new CliError(
    `unable to match a printer suitable for the output format "${o}", allowed formats are: json,jsonpath,name,wide,yaml`,
  );
}

function readTextFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const e = err as { code?: string };
    if (e.code === 'ENOENT') {
      throw new CliError(`error reading template ${path}, open ${path}: no such file or directory`);
    }
    throw err;
  }
}

/** kubectl's NewCustomColumnsPrinterFromSpec: HEADER:path pairs separated by commas. */
export function customColumnsSpec(spec: string): CustomColumn[] {
  if (spec === '')
    throw new CliError('custom-columns format specified but no custom columns given');
  return spec.split(',').map((part) => {
    const colon = part.indexOf(':');
    if (colon < 0) {
      throw new CliError(
        `unexpected custom-columns spec: ${part}, expected <header>:<json-path-expr>`,
      );
    }
    return { header: part.slice(0, colon), path: relaxedJsonPath(part.slice(colon + 1)) };
  });
}

/** kubectl's NewCustomColumnsPrinterFromTemplate: a line of headers, a line of paths. */
export function customColumnsTemplate(text: string): CustomColumn[] {
  const usage =
    'Expected format is one line of space separated headers, one line of space separated column specs.';
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  if (text === '') throw new CliError(`invalid template, missing header line. ${usage}`);
  if (lines.length < 2 || (lines.length === 2 && lines[1] === '')) {
    throw new CliError(`invalid template, missing spec line. ${usage}`);
  }
  const words = (l: string): string[] => l.split(/\s+/).filter((w) => w !== '');
  const headers = words(lines[0] ?? '');
  const specs = words(lines[1] ?? '');
  if (headers.length !== specs.length) {
    throw new CliError(
      `number of headers (${headers.length}) and field specifications (${specs.length}) don't match`,
    );
  }
  return headers.map((header, i) => ({ header, path: relaxedJsonPath(specs[i] ?? '') }));
}

/** fmt.Sprint of a decoded JSON value, as Go prints interface{} values. */
export function goSprint(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return `[${v.map(goSprint).join(' ')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const entries = Object.keys(o)
      .sort()
      .map((k) => `${k}:${goSprint(o[k])}`);
    return `map[${entries.join(' ')}]`;
  }
  if (typeof v === 'number' && !Number.isInteger(v)) return goFloat(v);
  if (typeof v === 'number' && Math.abs(v) >= 2 ** 63) return goFloat(v);
  return String(v);
}

/** Go's %v of a float64: shortest digits, exponent form below 1e-4 and from 1e21. */
function goFloat(v: number): string {
  const abs = Math.abs(v);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e21)) {
    return v.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  }
  return String(v);
}

/** printers.EscapeTerminal: no raw escape sequences or carriage returns reach the terminal. */
function escapeTerminal(s: string): string {
  return s.replaceAll('\x1b', '^[').replaceAll('\r', '\\r');
}

/** The custom-columns rows of `objects`, kubectl's layout: <none> for nothing, lists comma-joined. */
export function printCustomColumns(
  objects: KubeObject[],
  columns: CustomColumn[],
  noHeaders: boolean,
): string {
  const lines: string[][] = noHeaders ? [] : [columns.map((c) => c.header)];
  for (const obj of objects) {
    lines.push(
      columns.map((c) => {
        const results = jsonPathResults(c.path, obj);
        const texts = results.flat().map((v) => escapeTerminal(goSprint(v)));
        if ((results[0]?.length ?? 0) === 0) texts.unshift('<none>');
        return texts.join(',');
      }),
    );
  }
  return tabwrite(lines.map((l) => `${l.join('\t')}\n`).join(''), 3, 6);
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '<none>';
  const s = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
  const cut = s.search(/[\n\r\f]/);
  return cut >= 0 ? `${s.slice(0, cut)}...` : s;
}

export interface TableRenderOptions {
  wide: boolean;
  /** Prepend a NAMESPACE column (from each row's metadata). */
  withNamespace: boolean;
  /** Prefix names with `kind.group/` (several types in one listing). */
  withType?: ApiResource;
  showLabels: boolean;
  noHeaders?: boolean;
}

/** Rows (header first unless noHeaders) of a server Table, as kubectl lays them out. */
export function tableRows(table: Table, o: TableRenderOptions): string[][] {
  const cols = table.columnDefinitions
    .map((c, i) => ({ c, i }))
    .filter(({ c }) => o.wide || c.priority === 0);
  const header = cols.map(({ c }) => c.name.toUpperCase());
  if (o.withNamespace) header.unshift('NAMESPACE');
  if (o.showLabels) header.push('LABELS');
  const rows = table.rows.map((r) => {
    const cells = cols.map(({ c, i }) => {
      const v = cell(r.cells[i]);
      return c.format === 'name' && o.withType ? `${typePrefix(o.withType)}/${v}` : v;
    });
    if (o.withNamespace) cells.unshift(r.object?.metadata?.namespace ?? '');
    if (o.showLabels) {
      const labels = r.object?.metadata?.labels ?? {};
      const text = Object.keys(labels)
        .sort()
        .map((k) => `${k}=${labels[k] ?? ''}`)
        .join(',');
      cells.push(text === '' ? '<none>' : text);
    }
    return cells;
  });
  return o.noHeaders ? rows : [header, ...rows];
}

/** Renders rows with kubectl's tabwriter settings; `widths` may be remembered across calls. */
export function renderRows(
  rows: string[][],
  widths?: number[],
): { text: string; widths: number[] } {
  const computed = columnWidths(rows);
  const w = computed.map((c, i) => Math.max(c, widths?.[i] ?? 0));
  const text = rows
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i] ?? 0)))
        .join('')
        .trimEnd(),
    )
    .join('\n');
  return { text: rows.length === 0 ? '' : `${text}\n`, widths: w };
}

/** The object without metadata.managedFields (kubectl's OmitManagedFieldsPrinter). */
export function omitManagedFields(obj: KubeObject): KubeObject {
  if (obj.metadata?.managedFields === undefined) return obj;
  const metadata = { ...obj.metadata };
  delete metadata.managedFields;
  return { ...obj, metadata };
}

/**
 * One object or a v1 List, as kubectl's yaml/json printers show them: managedFields are left out
 * of yaml and json unless `showManagedFields` (kubectl's --show-managed-fields).
 */
export function printObjects(
  objects: KubeObject[],
  single: boolean,
  fmt: OutputFormat,
  opts: { showManagedFields?: boolean } = {},
): string {
  if (!opts.showManagedFields && (fmt.kind === 'json' || fmt.kind === 'yaml')) {
    objects = objects.map(omitManagedFields);
  }
  const doc: unknown = single
    ? objects[0]
    : { apiVersion: 'v1', kind: 'List', items: objects, metadata: { resourceVersion: '' } };
  switch (fmt.kind) {
    case 'json':
      return `${JSON.stringify(doc, null, 4)}\n`;
    case 'yaml':
      return kubectlYaml(doc);
    case 'jsonpath':
      return evalJsonPath(fmt.template, doc);
    default:
      throw new Error(`printObjects cannot print ${fmt.kind}`);
  }
}

/**
 * YAML as kubectl prints it (sigs.k8s.io/yaml, i.e. go-yaml v2 over the JSON form): map keys
 * sorted, sequence items at their parent key's indentation, and YAML 1.1 quoting, so strings
 * such as "yes", "1:20" or an RFC 3339 timestamp come out quoted as kubectl quotes them.
 */
/**
 * The yaml package's YAML 1.1 float pattern also matches a lone "." (no digits), which it then
 * quotes; go-yaml resolves only what parses as a float, so "." (managedFields' self key) stays
 * plain in kubectl's output.
 */
const LOOSE_FLOAT = /^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*$/.source;
const GO_FLOAT = /^[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9_]*[0-9][0-9_]*)$/;

function goYamlTags(tags: Tags): Tags {
  return tags.map((t) =>
    typeof t === 'object' && !t.collection && t.test?.source === LOOSE_FLOAT
      ? ({ ...t, test: GO_FLOAT } as ScalarTag)
      : t,
  );
}

export function kubectlYaml(doc: unknown): string {
  return yaml().stringify(doc, {
    version: '1.1',
    customTags: goYamlTags,
    sortMapEntries: true,
    indentSeq: false,
    lineWidth: 0,
    aliasDuplicateObjects: false,
  });
}
