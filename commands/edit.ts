import { Flags } from '@oclif/core';
import { KubeCommand } from '../src/cli/base.js';
import { runEdit } from '../src/cli/edit.js';
import { discover } from '../src/cli/resources.js';

export default class Edit extends KubeCommand {
  static override description =
    'Edit objects in $KUBE_EDITOR or $EDITOR (else vi) and save the changes as a patch, as kubectl edit';

  static override strict = false;

  static override usage = 'edit TYPE NAME | TYPE/NAME... [-l SEL]';

  static override examples = [
    '<%= config.bin %> edit deployment/web',
    'KUBE_EDITOR=nano <%= config.bin %> edit svc web',
  ];

  static override flags = {
    selector: Flags.string({ char: 'l', description: 'label selector choosing what to edit' }),
  };

  public async run(): Promise<void> {
    const { flags, argv } = await this.parse(Edit);
    const target = this.target(flags);
    await runEdit(target.client, await discover(target.client), argv as string[], {
      namespace: flags.namespace ?? target.namespace,
      selector: flags.selector,
      env: process.env,
      out: (s) => process.stdout.write(s),
      err: (s) => process.stderr.write(s),
    });
  }
}
