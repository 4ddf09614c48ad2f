// Naming objects the way kubectl's resource builder accepts them on the command line: `TYPE NAME
// [NAME...]`, `TYPE/NAME [TYPE/NAME...]`, or `TYPE` with a selector / --all; and the one-line
// result kubectl prints for a mutation (`deployment.apps/web scaled`).
import { fromLabelSelector, selectorFromSet } from '../api/labels.js';
import { isStatusError } from '../api/status.js';
import type { KubeObject } from '../api/types.js';
import { resourcePath, type KubeClient, type ResourceRef } from '../client/rest.js';
import { CliError } from './cluster.js';

const PODS: ResourceRef = { group: '', version: 'v1', resource: 'pods', namespaced: true };
import { resolveResource, resolveTypes, typePrefix, type ApiResource } from './resources.js';

export interface ObjectRef {
  r: ApiResource;
  name: string;
}

export interface ObjectArgs {
  /** Named objects, in the order given. */
  named: ObjectRef[];
  /** Types given without names (to be listed with a selector or --all). */
  types: ApiResource[];
}

/** Splits resource arguments; `rest` (arguments after the resources) is left to the caller. */
export function parseObjectArgs(all: ApiResource[], args: string[]): ObjectArgs {
  if (args.length === 0) return { named: [], types: [] };
  if (args.every((a) => a.includes('/'))) {
    return {
      named: args.map((a) => {
        const slash = a.indexOf('/');
        const name = a.slice(slash + 1);
        if (name === '')
          throw new CliError(
            `arguments in resource/name form must have a single resource and name`,
          );
        return { r: resolveResource(all, a.slice(0, slash)), name };
      }),
      types: [],
    };
  }
  if (args.some((a) => a.includes('/')))
    throw new CliError(
      `there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'`,
    );
  const [type = '', ...names] = args;
  const types = resolveTypes(all, type);
  if (names.length === 0) return { named: [], types };
  if (types.length > 1)
    throw new CliError('you may only specify a single resource type when giving names');
  const r = types[0];
  if (!r) return { named: [], types: [] };
  return { named: names.map((name) => ({ r, name })), types: [] };
}

/**
 * Objects named on the command line, or listed by type with a label selector / --all. Like
 * kubectl's builder with ContinueOnError, a failed lookup does not stop the rest: failures come
 * back in `errors`, in order, for the caller to report after acting on what was found.
 */
export async function fetchObjects(
  client: KubeClient,
  parsed: ObjectArgs,
  namespace: string,
  selector: string | undefined,
): Promise<{ objects: Array<{ r: ApiResource; object: KubeObject }>; errors: Error[] }> {
  const objects: Array<{ r: ApiResource; object: KubeObject }> = [];
  const errors: Error[] = [];
  for (const { r, name } of parsed.named) {
    try {
      objects.push({ r, object: await client.get(r, r.namespaced ? namespace : undefined, name) });
    } catch (err) {
      if (!isStatusError(err)) throw err;
      errors.push(err);
    }
  }
  for (const r of parsed.types) {
    const list = await client.list(r, r.namespaced ? namespace : undefined, {
      labelSelector: selector,
    });
    for (const object of list.items) objects.push({ r, object });
  }
  return { objects, errors };
}

export type DryRun = 'none' | 'client' | 'server';

/** `deployment.apps/web scaled`, with kubectl's dry-run suffix. */
export function operationLine(
  r: ApiResource,
  name: string,
  op: string,
  dryRun: DryRun = 'none',
): string {
  const suffix =
    dryRun === 'client' ? ' (dry run)' : dryRun === 'server' ? ' (server dry run)' : '';
  return `${typePrefix(r)}/${name} ${op}${suffix}\n`;
}

/** `apps/v1` or `v1` for a resource. */
export function apiVersionOf(r: Pick<ApiResource, 'group' | 'version'>): string {
  return r.group === '' ? r.version : `${r.group}/${r.version}`;
}

/**
 * Ends a command that went on past per-object failures, as kubectl's aggregate error does: one
 * failure is rethrown as it is (a server Status keeps its `Error from server` form), several
 * become one message of a line each.
 */
export function throwAggregate(errors: Error[]): void {
  if (errors.length === 0) return;
  if (errors.length === 1) throw errors[0];
  throw new CliError(
    errors
      .map((e) =>
        isStatusError(e)
          ? `Error from server${e.reason ? ` (${e.reason})` : ''}: ${e.message}`
          : e.message,
      )
      .join('\n'),
  );
}

/** Exactly one named object (`TYPE NAME` or `TYPE/NAME`), for commands acting on one. */
export function singleObject(all: ApiResource[], args: string[], command: string): ObjectRef {
  const parsed = parseObjectArgs(all, args);
  if (parsed.named.length === 0 && parsed.types.length === 0)
    throw new CliError('required resource not specified');
  const count = parsed.named.length + parsed.types.length;
  const [one] = parsed.named;
  if (count !== 1 || !one)
    throw new CliError(`${command} needs exactly one resource given as TYPE NAME or TYPE/NAME`);
  return one;
}

/**
 * kubectl's attachable pod for `exec`/`logs` given TYPE/NAME: the pod itself, or for a workload or
 * service the oldest running pod its selector matches.
 */
export async function podFor(
  client: KubeClient,
  all: ApiResource[],
  namespace: string,
  arg: string,
): Promise<string> {
  const slash = arg.indexOf('/');
  if (slash < 0) return arg;
  const r = resolveResource(all, arg.slice(0, slash));
  const name = arg.slice(slash + 1);
  if (r.kind === 'Pod') return name;
  const obj = await client.call<KubeObject>('GET', resourcePath(r, namespace, name));
  const raw = (obj.spec as { selector?: Record<string, unknown> } | undefined)?.selector;
  const selector =
    r.kind === 'Service' || r.kind === 'ReplicationController'
      ? selectorFromSet((raw ?? {}) as Record<string, string>)
      : fromLabelSelector(raw);
  const pods = await client.list(PODS, namespace, { labelSelector: selector.toString() });
  const running = pods.items
    .filter((p) => (p.status as { phase?: string } | undefined)?.phase === 'Running')
    .sort((a, b) =>
      String(a.metadata.creationTimestamp).localeCompare(String(b.metadata.creationTimestamp)),
    );
  const pod = running[0] ?? pods.items[0];
  if (!pod) throw new CliError(`no pods found for ${r.kind.toLowerCase()} "${name}"`);
  return pod.metadata.name ?? '';
}
