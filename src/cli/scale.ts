// `scale` through the /scale subresource, as kubectl's scaler does it: a JSON merge patch of
// autoscaling/v1 Scale when there is no precondition; with --current-replicas or
// --resource-version, a GET of the Scale, the precondition check, then a PUT (so a concurrent
// change fails with a Conflict instead of being overwritten).
import type { KubeObject } from '../api/types.js';
import { resourcePath, type KubeClient } from '../client/rest.js';
import { CliError } from './cluster.js';
import { fetchObjects, operationLine, parseObjectArgs, type DryRun } from './objects.js';
import type { ApiResource } from './resources.js';

export interface ScaleOptions {
  args: string[];
  namespace: string;
  replicas: number;
  currentReplicas: number;
  resourceVersion: string | undefined;
  all: boolean;
  selector: string | undefined;
  dryRun: DryRun;
}

export async function runScale(
  client: KubeClient,
  all: ApiResource[],
  o: ScaleOptions,
  out: (s: string) => void,
): Promise<void> {
  if (o.replicas < 0)
    throw new CliError(
      'The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0',
    );
  const parsed = parseObjectArgs(all, o.args);
  if (parsed.named.length === 0 && parsed.types.length === 0)
    throw new CliError('You must provide one or more resources by argument or filename.');
  if (parsed.types.length > 0 && !o.all && o.selector === undefined)
    throw new CliError(
      `resource(s) were provided, but no name was specified. Please specify the resources to scale with --all or a label selector`,
    );
  // kubectl collects what it can find, then reports "no objects" with the last lookup failure.
  const { objects: found, errors } = await fetchObjects(client, parsed, o.namespace, o.selector);
  const lastError = errors[errors.length - 1];
  if (found.length === 0)
    throw new CliError(`no objects passed to scale${lastError ? ` ${lastError.message}` : ''}`);
  if (o.resourceVersion !== undefined && found.length > 1)
    throw new CliError('cannot use --resource-version with multiple resources');

  for (const { r, object } of found) {
    const name = object.metadata.name ?? '';
    const ns = r.namespaced ? object.metadata.namespace : undefined;
    const path = `${resourcePath(r, ns, name)}/scale`;
    const dry = o.dryRun === 'server' ? '?dryRun=All' : '';
    if (o.dryRun === 'client') {
      out(operationLine(r, name, 'scaled', o.dryRun));
      continue;
    }
    if (o.currentReplicas >= 0 || o.resourceVersion !== undefined) {
      const scale = await client.call<KubeObject & { spec?: { replicas?: number } }>('GET', path);
      const have = scale.spec?.replicas ?? 0;
      if (o.currentReplicas >= 0 && have !== o.currentReplicas)
        throw new CliError(`Expected replicas to be ${o.currentReplicas}, was ${have}`);
      if (o.resourceVersion !== undefined && scale.metadata.resourceVersion !== o.resourceVersion)
        throw new CliError(
          `Expected resource version to be ${o.resourceVersion}, was ${scale.metadata.resourceVersion ?? ''}`,
        );
      await client.call('PUT', `${path}${dry}`, {
        ...scale,
        spec: { ...scale.spec, replicas: o.replicas },
      });
    } else {
      await client.call(
        'PATCH',
        `${path}${dry}`,
        { spec: { replicas: o.replicas } },
        'application/merge-patch+json',
      );
    }
    out(operationLine(r, name, 'scaled', o.dryRun));
  }
}
