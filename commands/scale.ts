import { Flags } from '@oclif/core';
import { KubeCommand } from '../src/cli/base.js';
import { dryRunFlag } from '../src/cli/flags.js';
import type { DryRun } from '../src/cli/objects.js';
import { discover } from '../src/cli/resources.js';
import { runScale } from '../src/cli/scale.js';

export default class Scale extends KubeCommand {
  static override description =
    'Set a new size for a deployment, replica set, replication controller or stateful set (through its scale subresource)';

  static override strict = false;

  static override usage = 'scale TYPE NAME | TYPE/NAME --replicas=COUNT [--current-replicas=COUNT]';

  static override examples = [
    '<%= config.bin %> scale deployment/web --replicas=3',
    '<%= config.bin %> scale deploy web --replicas=0 --current-replicas=2',
    '<%= config.bin %> scale statefulsets -l app=db --replicas=1',
  ];

  static override flags = {
    replicas: Flags.integer({
      description: 'the new desired number of replicas (required)',
      default: -1,
    }),
    'current-replicas': Flags.integer({
      description: 'precondition: only scale if the current size is this (-1: no precondition)',
      default: -1,
    }),
    'resource-version': Flags.string({
      description: 'precondition: only scale if the resourceVersion still matches',
    }),
    all: Flags.boolean({
      description: 'select all resources of the given types in the namespace',
      default: false,
    }),
    selector: Flags.string({ char: 'l', description: 'label selector choosing what to scale' }),
    'dry-run': dryRunFlag,
  };

  public async run(): Promise<void> {
    const { flags, argv } = await this.parse(Scale);
    const target = this.target(flags);
    await runScale(
      target.client,
      await discover(target.client),
      {
        args: argv as string[],
        namespace: flags.namespace ?? target.namespace,
        replicas: flags.replicas,
        currentReplicas: flags['current-replicas'],
        resourceVersion: flags['resource-version'],
        all: flags.all,
        selector: flags.selector,
        dryRun: flags['dry-run'] as DryRun,
      },
      (s) => process.stdout.write(s),
    );
  }
}
