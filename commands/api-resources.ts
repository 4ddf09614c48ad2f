import { Flags } from '@oclif/core';
import { renderApiResources } from '../src/cli/api-resources.js';
import { KubeCommand } from '../src/cli/base.js';
import { discover } from '../src/cli/resources.js';

export default class ApiResources extends KubeCommand {
  static override description = 'Print the supported API resources on the server';

  static override examples = [
    '<%= config.bin %> api-resources',
    '<%= config.bin %> api-resources --namespaced=false',
    '<%= config.bin %> api-resources --api-group=apps -o wide',
    '<%= config.bin %> api-resources --verbs=list,get -o name',
  ];

  static override flags = {
    namespaced: Flags.string({
      description: 'true: only namespaced resources; false: only cluster-scoped ones',
      options: ['true', 'false'],
    }),
    'api-group': Flags.string({
      description: 'only resources in this API group ("" for the core group)',
    }),
    verbs: Flags.string({
      description: 'only resources supporting all these verbs (comma-separated)',
      multiple: true,
      delimiter: ',',
    }),
    categories: Flags.string({
      description: 'only resources in all these categories (comma-separated)',
      multiple: true,
      delimiter: ',',
    }),
    output: Flags.string({ char: 'o', description: 'output format: wide or name' }),
    'sort-by': Flags.string({ description: 'sort by name or kind (default: API group)' }),
    'no-headers': Flags.boolean({ description: 'omit the header row', default: false }),
  };

  public async run(): Promise<void> {
    const { flags } = await this.parse(ApiResources);
    const target = this.target(flags);
    process.stdout.write(
      renderApiResources(await discover(target.client), {
        namespaced: flags.namespaced === undefined ? undefined : flags.namespaced === 'true',
        apiGroup: flags['api-group'],
        verbs: flags.verbs ?? [],
        categories: flags.categories ?? [],
        output: flags.output,
        sortBy: flags['sort-by'],
        noHeaders: flags['no-headers'],
      }),
    );
  }
}
