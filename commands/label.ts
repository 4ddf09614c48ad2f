import { Flags } from '@oclif/core';
import { KubeCommand } from '../src/cli/base.js';
import { dryRunFlag } from '../src/cli/flags.js';
import { runMetadataEdit } from '../src/cli/metadata-edit.js';
import type { DryRun } from '../src/cli/objects.js';
import { discover } from '../src/cli/resources.js';

export default class Label extends KubeCommand {
  static override description =
    'Update the labels on resources: KEY=VALUE sets, KEY- removes (a merge patch, as kubectl sends)';

  static override strict = false;

  static override usage = 'label TYPE NAME | TYPE/NAME KEY_1=VAL_1 ... KEY_N=VAL_N [KEY-]';

  static override examples = [
    '<%= config.bin %> label pods web tier=frontend',
    '<%= config.bin %> label deploy/web team=blue --overwrite',
    '<%= config.bin %> label pods --all team-',
  ];

  static override flags = {
    overwrite: Flags.boolean({
      description:
        'allow replacing existing label values; without it a different value is an error',
      default: false,
    }),
    all: Flags.boolean({
      description: 'select all resources of the given types in the namespace',
      default: false,
    }),
    selector: Flags.string({
      char: 'l',
      description: 'label selector choosing the objects to update, e.g. app=web',
    }),
    'resource-version': Flags.string({
      description: 'only update if the object is still at this resourceVersion',
    }),
    'dry-run': dryRunFlag,
  };

  public async run(): Promise<void> {
    const { flags, argv } = await this.parse(Label);
    const target = this.target(flags);
    await runMetadataEdit(
      target.client,
      await discover(target.client),
      {
        field: 'labels',
        args: argv as string[],
        namespace: flags.namespace ?? target.namespace,
        overwrite: flags.overwrite,
        all: flags.all,
        selector: flags.selector,
        dryRun: flags['dry-run'] as DryRun,
        resourceVersion: flags['resource-version'],
      },
      (s) => process.stdout.write(s),
    );
  }
}
