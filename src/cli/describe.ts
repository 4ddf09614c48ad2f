// `kbox describe`: kubectl 1.32's describe command. Objects come from TYPE NAME / TYPE/NAME
// arguments, a type with -l or -A, or (when a single name is not found) every object of the
// type whose name starts with it; each is printed by its kind's describer (describe-kinds.ts) or
// by the generic one that walks the object's fields, separated by a blank line.
import { isStatusError } from '../api/status.js';
import type { KubeObject } from '../api/types.js';
import type { KubeClient } from '../client/rest.js';
import { DESCRIBERS, type DescribeContext } from './describe-kinds.js';
import {
  describeEvents,
  goValue,
  LEVEL_0,
  printAnnotations,
  printLabels,
  PrefixWriter,
  searchEvents,
  type Json,
} from './describe-writer.js';
import { CliError } from './cluster.js';
import { parseObjectArgs, throwAggregate } from './objects.js';
import type { ApiResource } from './resources.js';

/** fatih/camelcase.Split: runs of lower, upper, digit and other characters. */
function camelSplit(src: string): string[] {
  const classOf = (c: string): number =>
    /\p{Ll}/u.test(c) ? 1 : /\p{Lu}/u.test(c) ? 2 : /\p{Nd}/u.test(c) ? 3 : 4;
  const runs: string[][] = [];
  let last = 0;
  for (const c of src) {
    const cls = classOf(c);
    if (cls === last && runs.length > 0) runs[runs.length - 1]?.push(c);
    else runs.push([c]);
    last = cls;
  }
  for (let i = 0; i < runs.length - 1; i++) {
    const cur = runs[i] ?? [];
    const next = runs[i + 1] ?? [];
    if (classOf(cur[0] ?? '') === 2 && classOf(next[0] ?? '') === 1) {
      const moved = cur.pop();
      if (moved !== undefined) next.unshift(moved);
    }
  }
  return runs.filter((r) => r.length > 0).map((r) => r.join(''));
}

const ACRONYMS = new Set(['API', 'URL', 'UID', 'OSB', 'GUID']);

/** smartLabelFor: `apiVersion` → `API Version`; names with other characters stay as they are. */
export function smartLabel(field: string): string {
  if (/[^\p{L}-]/u.test(field)) return field;
  return camelSplit(field)
    .filter((p) => p !== '_')
    .map((p) =>
      ACRONYMS.has(p.toUpperCase()) ? p.toUpperCase() : p.charAt(0).toUpperCase() + p.slice(1),
    )
    .join(' ');
}

const GENERIC_SKIP = new Set([
  '.metadata.managedFields',
  '.metadata.name',
  '.metadata.namespace',
  '.metadata.labels',
  '.metadata.annotations',
]);

/** printUnstructuredContent: sorted fields, maps and lists nested one level deeper. */
function printContent(w: PrefixWriter, level: number, content: Json, prefix: string): void {
  for (const field of Object.keys(content).sort()) {
    const value = content[field];
    const path = `${prefix}.${field}`;
    if (GENERIC_SKIP.has(path)) continue;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      w.write(level, `${smartLabel(field)}:\n`);
      printContent(w, level + 1, value as Json, path);
    } else if (Array.isArray(value)) {
      w.write(level, `${smartLabel(field)}:\n`);
      for (const child of value as unknown[]) {
        if (child !== null && typeof child === 'object' && !Array.isArray(child))
          printContent(w, level + 1, child as Json, path);
        else w.write(level + 1, `${goValue(child)}\n`);
      }
    } else {
      w.write(level, `${smartLabel(field)}:\t${goValue(value)}\n`);
    }
  }
}

/** genericDescriber: for kinds without a layout of their own. */
async function describeGeneric(ctx: DescribeContext, o: KubeObject): Promise<string> {
  const events = ctx.showEvents
    ? await searchEvents(ctx.client, {
        kind: o.kind,
        name: o.metadata.name ?? '',
        namespace: o.metadata.namespace,
        uid: o.metadata.uid,
      }).catch(() => [])
    : undefined;
  const w = new PrefixWriter();
  w.write(LEVEL_0, `Name:\t${o.metadata.name ?? ''}\n`);
  w.write(LEVEL_0, `Namespace:\t${o.metadata.namespace ?? ''}\n`);
  printLabels(w, 'Labels', o.metadata.labels);
  printAnnotations(w, 'Annotations', o.metadata.annotations);
  printContent(w, LEVEL_0, o as unknown as Json, '');
  describeEvents(w, events, ctx.now);
  return w.done();
}

export function describeObject(
  ctx: DescribeContext,
  r: ApiResource,
  o: KubeObject,
): Promise<string> {
  const describer = DESCRIBERS[`${r.group}/${r.kind}`];
  if (describer) return describer(ctx, o, r.kind);
  // Listed items may lack kind; the generic layout and its event search need it.
  return describeGeneric(ctx, { ...o, apiVersion: o.apiVersion ?? apiVersion(r), kind: r.kind });
}

const apiVersion = (r: ApiResource): string =>
  r.group === '' ? r.version : `${r.group}/${r.version}`;

export interface DescribeOptions {
  namespace: string;
  allNamespaces: boolean;
  selector?: string;
  showEvents: boolean;
  now?: () => Date;
}

/**
 * Runs describe for `args`, writing each description to `out` as it is ready. Failures are
 * collected like kubectl's aggregate and thrown at the end; nothing found is reported on `err`.
 */
export async function runDescribe(
  client: KubeClient,
  all: ApiResource[],
  args: string[],
  opts: DescribeOptions,
  out: (text: string) => void,
  err: (text: string) => void,
): Promise<void> {
  if (args.length === 0)
    throw new CliError(
      'You must specify the type of resource to describe. Use "kubectl api-resources" for a complete list of supported resources.',
    );
  const parsed = parseObjectArgs(all, args);
  const ctx = (): DescribeContext => ({
    client,
    now: opts.now?.() ?? new Date(),
    showEvents: opts.showEvents,
  });
  const ns = (r: ApiResource): string | undefined =>
    !r.namespaced ? undefined : opts.allNamespaces ? undefined : opts.namespace;
  const errors: Error[] = [];
  const seen = new Set<string>();
  let first = true;
  let found = 0;
  const emit = async (r: ApiResource, o: KubeObject): Promise<void> => {
    found++;
    try {
      const text = await describeObject(ctx(), r, o);
      out(first ? text : `\n\n${text}`);
      first = false;
    } catch (e) {
      if (!(e instanceof Error) || seen.has(e.message)) return;
      seen.add(e.message);
      errors.push(e);
    }
  };
  // Like kubectl, every named object is fetched before anything is printed.
  const named: Array<{ r: ApiResource; o?: KubeObject; error?: Error }> = [];
  for (const { r, name } of parsed.named) {
    try {
      named.push({ r, o: await client.get(r, r.namespaced ? opts.namespace : undefined, name) });
    } catch (e) {
      if (!isStatusError(e)) throw e;
      named.push({ r, error: e });
    }
  }
  const failures = named.flatMap((n) => (n.error ? [n.error] : []));
  const notFound = failures.some((e) => isStatusError(e) && e.reason === 'NotFound');
  if (notFound && args.length === 2) {
    // kubectl's DescribeMatchingResources: `describe TYPE PREFIX` describes every object of the
    // type whose name starts with PREFIX. (With two TYPE/NAME words it ends up reporting the
    // failed lookup and printing nothing, which is reproduced too.)
    const [first] = named;
    if (args[0]?.includes('/') || !first) {
      if (first?.error) throw first.error;
      throwAggregate(failures);
      return;
    }
    const list = await client.list(first.r, first.r.namespaced ? opts.namespace : undefined);
    const matches = list.items.filter((i) => (i.metadata.name ?? '').startsWith(args[1] ?? ''));
    if (matches.length === 0) throwAggregate(failures);
    for (const m of matches) out(`${await describeObject(ctx(), first.r, m)}\n`);
    return;
  }
  errors.push(...failures);
  for (const n of named) if (n.o) await emit(n.r, n.o);
  for (const r of parsed.types) {
    const list = await client.list(r, ns(r), { labelSelector: opts.selector });
    for (const o of list.items) await emit(r, o);
  }
  if (found === 0 && errors.length === 0)
    err(
      opts.allNamespaces
        ? 'No resources found\n'
        : `No resources found in ${opts.namespace} namespace.\n`,
    );
  throwAggregate(errors);
}
