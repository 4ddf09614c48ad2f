// The one command behind `kbox label` and `kbox annotate`: the same flags, arguments and flow,
// differing only in the metadata field they edit (kubectl's label and annotate share them too).
import { Flags } from '@oclif/core';
import { KubeCommand } from './base.js';
import { dryRunFlag } from './flags.js';
import { runMetadataEdit, type MetadataField } from './metadata-edit.js';
import type { DryRun } from './objects.js';
import { discover } from './resources.js';

/** The flags of `label`/`annotate`; `noun` words their help ("label", "annotation"). */
export function metadataEditFlags(noun: string) {
  return {
    overwrite: Flags.boolean({
      description: `allow replacing existing ${noun} values; without it a different value is an error`,
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
}

export abstract class MetadataEditCommand extends KubeCommand {
  /** Which metadata map the command edits. */
  protected abstract readonly field: MetadataField;

  public async run(): Promise<void> {
    const ctor = this.constructor as typeof MetadataEditCommand & {
      flags: ReturnType<typeof metadataEditFlags>;
    };
    const { flags, argv } = await this.parse(ctor);
    const target = this.target(flags);
    await runMetadataEdit(
      target.client,
      await discover(target.client),
      {
        field: this.field,
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
