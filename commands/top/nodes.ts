import { Args, Flags } from '@oclif/core';
import { CORE } from '../../src/client/rest.js';
import { KubeCommand } from '../../src/cli/base.js';
import { CliError } from '../../src/cli/cluster.js';
import { printNodeMetrics, type SortBy, type Usage } from '../../src/cli/top.js';
import { NODE_METRICS, requireMetricsApi, toNodeMetrics } from '../../src/cli/top-fetch.js';

export default class TopNodes extends KubeCommand {
  static override description =
    'Show CPU and memory use of nodes (as kubectl top node), measured by the kubelets from Docker';

  static override aliases = ['top:node', 'top:no'];

  static override examples = [
    '<%= config.bin %> top nodes',
    '<%= config.bin %> top nodes --sort-by cpu',
  ];

  static override args = { name: Args.string({ description: 'node name' }) };

  static override flags = {
    selector: Flags.string({ char: 'l', description: 'label selector to filter on' }),
    'sort-by': Flags.string({
      description: 'sort by cpu or memory (highest first)',
      options: ['cpu', 'memory'],
    }),
    'no-headers': Flags.boolean({ description: 'omit the header row', default: false }),
    'show-capacity': Flags.boolean({
      description: 'percentages of capacity instead of allocatable',
      default: false,
    }),
  };

  public async run(): Promise<void> {
    const { args, flags } = await this.parse(TopNodes);
    if (args.name !== undefined && flags.selector !== undefined) {
      throw new CliError('only one of NAME or selector can be provided');
    }
    const client = this.target(flags).client;
    await requireMetricsApi(client);
    const selector = flags.selector ? { labelSelector: flags.selector } : {};
    const metrics =
      args.name !== undefined
        ? [toNodeMetrics(await client.get(NODE_METRICS, undefined, args.name))]
        : (await client.list(NODE_METRICS, undefined, selector)).items.map(toNodeMetrics);
    if (metrics.length === 0) throw new CliError('metrics not available yet');
    const nodes =
      args.name !== undefined
        ? [await client.get(CORE.nodes, undefined, args.name)]
        : (await client.list(CORE.nodes, undefined, selector)).items;
    const available = new Map<string, Usage>(
      nodes.map((n) => {
        const status = (n.status ?? {}) as { allocatable?: Usage; capacity?: Usage };
        return [
          n.metadata.name ?? '',
          (flags['show-capacity'] ? status.capacity : status.allocatable) ?? {},
        ];
      }),
    );
    process.stdout.write(
      printNodeMetrics(metrics, available, {
        noHeaders: flags['no-headers'],
        sortBy: (flags['sort-by'] ?? '') as SortBy,
      }),
    );
  }
}
