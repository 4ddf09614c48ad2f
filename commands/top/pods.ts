import { Args, Flags } from '@oclif/core';
import { CORE } from '../../src/client/rest.js';
import { KubeCommand } from '../../src/cli/base.js';
import { CliError } from '../../src/cli/cluster.js';
import { printPodMetrics, type SortBy } from '../../src/cli/top.js';
import {
  explainEmpty,
  POD_METRICS,
  requireMetricsApi,
  toPodMetrics,
} from '../../src/cli/top-fetch.js';

export default class TopPods extends KubeCommand {
  static override description =
    'Show CPU and memory use of pods (as kubectl top pod), measured by the kubelets from Docker';

  static override aliases = ['top:pod', 'top:po'];

  static override examples = [
    '<%= config.bin %> top pods',
    '<%= config.bin %> top pods -A --containers',
    '<%= config.bin %> top pods -l app=web --sort-by memory',
  ];

  static override args = { name: Args.string({ description: 'pod name' }) };

  static override flags = {
    selector: Flags.string({ char: 'l', description: 'label selector to filter on' }),
    'field-selector': Flags.string({ description: 'field selector to filter on' }),
    'all-namespaces': Flags.boolean({
      char: 'A',
      description: 'pods of all namespaces',
      default: false,
    }),
    containers: Flags.boolean({ description: 'one line per container', default: false }),
    'sort-by': Flags.string({
      description: 'sort by cpu or memory (highest first)',
      options: ['cpu', 'memory'],
    }),
    'no-headers': Flags.boolean({ description: 'omit the header row', default: false }),
    sum: Flags.boolean({ description: 'print the sum of the usage', default: false }),
  };

  public async run(): Promise<void> {
    const { args, flags } = await this.parse(TopPods);
    if (
      args.name !== undefined &&
      (flags.selector !== undefined || flags['field-selector'] !== undefined)
    ) {
      throw new CliError('only one of NAME or selector can be provided');
    }
    const target = this.target(flags);
    const client = target.client;
    const namespace = flags.namespace ?? target.namespace;
    const all = flags['all-namespaces'];
    const ns = all ? undefined : namespace;
    await requireMetricsApi(client);
    const query = {
      ...(flags.selector ? { labelSelector: flags.selector } : {}),
      ...(flags['field-selector'] ? { fieldSelector: flags['field-selector'] } : {}),
    };
    const metrics =
      args.name !== undefined
        ? [toPodMetrics(await client.get(POD_METRICS, ns, args.name))]
        : (await client.list(POD_METRICS, ns, query)).items.map(toPodMetrics);
    if (metrics.length === 0) {
      // As kubectl: pods that exist but have no figures yet are an error; no pods at all is not.
      const pods = (await client.list(CORE.pods, namespace, query)).items;
      if (pods.length > 0) explainEmpty(pods);
      process.stderr.write(
        all ? 'No resources found\n' : `No resources found in ${namespace} namespace.\n`,
      );
      return;
    }
    process.stdout.write(
      printPodMetrics(metrics, {
        containers: flags.containers,
        withNamespace: all,
        noHeaders: flags['no-headers'],
        sortBy: (flags['sort-by'] ?? '') as SortBy,
        sum: flags.sum,
      }),
    );
  }
}
