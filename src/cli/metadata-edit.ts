// `label` and `annotate`: kubectl's argument split (resources first, then key=value / key-
// pairs), its validation messages, and the merge patch it sends (only the keys that change,
// removals as null). Pure functions, so the commands stay thin and the rules are unit-tested.
import type { KubeObject } from '../api/types.js';
import { resourcePath, type KubeClient } from '../client/rest.js';
import { CliError } from './cluster.js';
import {
  fetchObjects,
  operationLine,
  parseObjectArgs,
  throwAggregate,
  type DryRun,
} from './objects.js';
import type { ApiResource } from './resources.js';

export type MetadataField = 'labels' | 'annotations';

export interface PairEdit {
  set: Record<string, string>;
  remove: string[];
}

/** kubectl's GetResourcesAndPairs: resources come first, then every pair. */
export function splitResourcesAndPairs(
  args: string[],
  pairType: 'label' | 'annotation',
): { resources: string[]; pairs: string[] } {
  const resources: string[] = [];
  const pairs: string[] = [];
  for (const a of args) {
    const isPair = a.includes('=') || a.endsWith('-');
    if (isPair) pairs.push(a);
    else if (pairs.length > 0)
      throw new CliError(`all resources must be specified before ${pairType} changes: ${a}`);
    else resources.push(a);
  }
  return { resources, pairs };
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export function parseLabelPairs(pairs: string[]): PairEdit {
  const set: Record<string, string> = {};
  const remove: string[] = [];
  for (const spec of pairs) {
    if (spec.includes('=')) {
      const parts = spec.split('=');
      if (parts.length !== 2) throw new CliError(`invalid label spec: ${spec}`);
      const [key = '', value = ''] = parts;
      if (value.length > 63 || !LABEL_VALUE.test(value)) {
        const why =
          value.length > 63
            ? 'must be no more than 63 characters'
            : "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
        throw new CliError(`invalid label value: ${JSON.stringify(spec)}: ${why}`);
      }
      set[key] = value;
    } else if (spec.endsWith('-')) {
      remove.push(spec.slice(0, -1));
    } else {
      throw new CliError(`invalid label spec: ${spec}`);
    }
  }
  if (remove.some((k) => k in set))
    throw new CliError('can not both modify and remove a label in the same command');
  if (Object.keys(set).length === 0 && remove.length === 0)
    throw new CliError('at least one label update is required');
  return { set, remove };
}

export function parseAnnotationPairs(pairs: string[]): PairEdit {
  const set: Record<string, string> = {};
  const remove: string[] = [];
  const invalid: string[] = [];
  for (const spec of pairs) {
    const eq = spec.indexOf('=');
    if (eq > 0) set[spec.slice(0, eq)] = spec.slice(eq + 1);
    else if (eq < 0 && spec.endsWith('-')) remove.push(spec.slice(0, -1));
    else invalid.push(spec);
  }
  if (invalid.length > 0) throw new CliError(`invalid annotation format: ${invalid.join(', ')}`);
  const both = remove.filter((k) => k in set);
  if (both.length > 0)
    throw new CliError(
      `can not both modify and remove the following annotation(s) in the same command: ${both.join(', ')}`,
    );
  if (Object.keys(set).length === 0 && remove.length === 0)
    throw new CliError('at least one annotation update is required');
  return { set, remove };
}

const CHANGE_CAUSE = 'kubernetes.io/change-cause';

/** The refusal kubectl gives when a key already holds a different value and --overwrite is off. */
export function overwriteError(
  field: MetadataField,
  current: Record<string, string>,
  set: Record<string, string>,
): string | undefined {
  const clashes = Object.entries(set)
    .filter(([k, v]) => k in current && current[k] !== v)
    .filter(([k]) => field === 'labels' || k !== CHANGE_CAUSE);
  if (clashes.length === 0) return undefined;
  if (field === 'labels') {
    // kubectl aggregates one error per key; a single one prints bare, several as a list.
    const msgs = clashes.map(
      ([k]) => `'${k}' already has a value (${current[k] ?? ''}), and --overwrite is false`,
    );
    return msgs.length === 1 ? (msgs[0] ?? '') : `[${msgs.join(', ')}]`;
  }
  return `--overwrite is false but found the following declared annotation(s): ${clashes
    .map(([k]) => `'${k}' already has a value (${current[k] ?? ''})`)
    .join('; ')}`;
}

export interface EditResult {
  /** The merge patch kubectl would send: `{"metadata":{"labels":{...}}}` with only changed keys. */
  patch: { metadata: Record<string, unknown> };
  changed: boolean;
  /** The object as it would be after the edit. */
  after: KubeObject;
  /** Keys asked to be removed that were not there (kubectl reports these for labels). */
  missing: string[];
}

export function editMetadata(obj: KubeObject, field: MetadataField, edit: PairEdit): EditResult {
  const current = { ...(obj.metadata[field] ?? {}) };
  const next = { ...current };
  const delta: Record<string, string | null> = {};
  const missing: string[] = [];
  for (const [k, v] of Object.entries(edit.set)) {
    if (current[k] !== v) delta[k] = v;
    next[k] = v;
  }
  for (const k of edit.remove) {
    if (k in current) {
      delta[k] = null;
      delete next[k];
    } else missing.push(k);
  }
  const changed = Object.keys(delta).length > 0;
  return {
    patch: changed ? { metadata: { [field]: delta } } : { metadata: {} },
    changed,
    after: { ...obj, metadata: { ...obj.metadata, [field]: next } },
    missing,
  };
}

/**
 * kubectl label's verdict: "not labeled" when nothing changed, "unlabeled" when (without
 * --overwrite) the object got smaller, else "labeled". It compares serialized sizes, so do we.
 */
export function labelVerdict(before: KubeObject, edit: EditResult, overwrite: boolean): string {
  if (!edit.changed) return 'not labeled';
  const a = JSON.stringify(before);
  const b = JSON.stringify(edit.after);
  return !overwrite && b.length < a.length ? 'unlabeled' : 'labeled';
}

export interface MetadataEditOptions {
  field: MetadataField;
  args: string[];
  namespace: string;
  overwrite: boolean;
  all: boolean;
  selector: string | undefined;
  dryRun: DryRun;
  resourceVersion: string | undefined;
}

/**
 * Runs `kubectl label` / `kubectl annotate`: one merge patch per object, a line per object on
 * `out`. Stops at the first failure (thrown), as kubectl does.
 */
export async function runMetadataEdit(
  client: KubeClient,
  all: ApiResource[],
  o: MetadataEditOptions,
  out: (s: string) => void,
): Promise<void> {
  const pairType = o.field === 'labels' ? 'label' : 'annotation';
  const { resources, pairs } = splitResourcesAndPairs(o.args, pairType);
  if (resources.length === 0)
    throw new CliError(
      'one or more resources must be specified as <resource> <name> or <resource>/<name>',
    );
  const edit = o.field === 'labels' ? parseLabelPairs(pairs) : parseAnnotationPairs(pairs);
  const parsed = parseObjectArgs(all, resources);
  if ((o.all || o.selector !== undefined) && parsed.named.length > 0)
    throw new CliError(
      o.all
        ? 'the --all flag is not supported when names are given'
        : 'selectors and the all flag cannot be used when passing resource/name arguments',
    );
  if (parsed.types.length > 0 && !o.all && o.selector === undefined)
    throw new CliError(
      'resource(s) were provided, but no name was specified. Please specify the resources to update with --all or a label selector',
    );
  if (o.resourceVersion !== undefined && parsed.named.length + parsed.types.length > 1)
    throw new CliError('--resource-version may only be used with a single resource');
  const { objects, errors } = await fetchObjects(client, parsed, o.namespace, o.selector);
  // Like kubectl, a failure on one object does not stop the others; all are reported at the end.
  for (const { r, object } of objects) {
    try {
      const name = object.metadata.name ?? '';
      const result = editMetadata(object, o.field, edit);
      if (o.field === 'labels')
        for (const k of result.missing) out(`label ${JSON.stringify(k)} not found.\n`);
      if (!o.overwrite) {
        const err = overwriteError(o.field, object.metadata[o.field] ?? {}, edit.set);
        if (err) throw new CliError(err);
      }
      const verdict =
        o.field === 'labels' ? labelVerdict(object, result, o.overwrite) : 'annotated';
      if (o.dryRun !== 'client') {
        const patch =
          o.resourceVersion === undefined
            ? result.patch
            : { metadata: { ...result.patch.metadata, resourceVersion: o.resourceVersion } };
        const params = o.dryRun === 'server' ? '?dryRun=All' : '';
        await client.call(
          'PATCH',
          `${resourcePath(r, r.namespaced ? object.metadata.namespace : undefined, name)}${params}`,
          patch,
          'application/merge-patch+json',
        );
      }
      out(operationLine(r, name, verdict, o.dryRun));
    } catch (err) {
      if (!(err instanceof Error)) throw err;
      errors.push(err);
    }
  }
  throwAggregate(errors);
}
