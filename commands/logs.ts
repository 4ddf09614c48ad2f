import { Args, Flags } from '@oclif/core';
import type { KubeObject } from '../src/api/types.js';
import { resourcePath, type ResourceRef } from '../src/client/rest.js';
import { KubeCommand } from '../src/cli/base.js';
import { CliError } from '../src/cli/cluster.js';
import { parseDuration } from '../src/cli/duration.js';
import { podFor } from '../src/cli/objects.js';
import { discover } from '../src/cli/resources.js';

const PODS: ResourceRef = { group: '', version: 'v1', resource: 'pods', namespaced: true };

export default class Logs extends KubeCommand {
  static override description =
    "Print a pod container's logs (or those of every pod a selector matches)";

  static override examples = [
    '<%= config.bin %> logs web-7d4b9c-x2x8k',
    '<%= config.bin %> logs -f web-7d4b9c-x2x8k -c sidecar',
    '<%= config.bin %> logs deploy/web',
    '<%= config.bin %> logs -l app=web --tail 20',
  ];

  static override args = {
    pod: Args.string({ description: 'pod name, or TYPE/NAME (e.g. deploy/web: one of its pods)' }),
  };

  static override flags = {
    container: Flags.string({
      char: 'c',
      description: 'container name (default: the only or first container)',
    }),
    follow: Flags.boolean({ char: 'f', description: 'stream new lines', default: false }),
    previous: Flags.boolean({
      char: 'p',
      description: 'the previous, terminated container instance',
      default: false,
    }),
    tail: Flags.integer({ description: 'lines from the end to show (-1: all)', default: -1 }),
    since: Flags.string({ description: 'only lines newer than this duration, e.g. 5m' }),
    timestamps: Flags.boolean({
      description: 'prefix each line with its timestamp',
      default: false,
    }),
    selector: Flags.string({
      char: 'l',
      description: 'label selector: logs of every matching pod, prefixed with the pod name',
    }),
  };

  public async run(): Promise<void> {
    const { flags, args } = await this.parse(Logs);
    const target = this.target(flags);
    const client = target.client;
    const ns = flags.namespace ?? target.namespace;
    let pods: KubeObject[];
    if (flags.selector) {
      pods = (await client.list(PODS, ns, { labelSelector: flags.selector })).items;
      if (pods.length === 0) {
        process.stderr.write(`No resources found in ${ns} namespace.\n`);
        return;
      }
    } else if (args.pod) {
      // POD, pod/POD, or TYPE/NAME (deploy/web, svc/web...) resolved to one of its pods.
      const name = args.pod.includes('/')
        ? await podFor(client, await discover(client), ns, args.pod)
        : args.pod;
      pods = [await client.get(PODS, ns, name)];
    } else {
      throw new CliError('a pod name or a selector (-l) is required');
    }
    const abort = new AbortController();
    process.once('SIGINT', () => abort.abort());
    const prefix = pods.length > 1;
    await Promise.all(
      pods.map(async (pod) => {
        const spec = (pod.spec ?? {}) as { containers?: Array<{ name: string }> };
        const defaultContainer =
          pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'];
        const container = flags.container ?? defaultContainer ?? spec.containers?.[0]?.name ?? '';
        if (
          !flags.container &&
          !defaultContainer &&
          (spec.containers?.length ?? 0) > 1 &&
          !prefix
        ) {
          process.stderr.write(
            `Defaulted container "${container}" out of: ${(spec.containers ?? []).map((c) => c.name).join(', ')}\n`,
          );
        }
        const q = new URLSearchParams({ container });
        if (flags.follow) q.set('follow', 'true');
        if (flags.previous) q.set('previous', 'true');
        if (flags.timestamps) q.set('timestamps', 'true');
        if (flags.tail >= 0) q.set('tailLines', String(flags.tail));
        if (flags.since)
          q.set('sinceSeconds', String(Math.ceil(parseDuration(flags.since) / 1000)));
        const path = `${resourcePath(PODS, ns, pod.metadata.name ?? '')}/log?${q.toString()}`;
        let pending = '';
        const tag = `[pod/${pod.metadata.name ?? ''}/${container}] `;
        await client.stream(
          path,
          (chunk) => {
            if (!prefix) {
              process.stdout.write(chunk);
              return;
            }
            pending += chunk.toString('utf8');
            const lines = pending.split('\n');
            pending = lines.pop() ?? '';
            for (const l of lines) process.stdout.write(`${tag}${l}\n`);
          },
          abort.signal,
        );
        if (prefix && pending !== '') process.stdout.write(`${tag}${pending}\n`);
      }),
    );
  }
}
