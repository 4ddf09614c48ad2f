import { Args } from '@oclif/core';
import { KubeCommand } from '../../src/cli/base.js';
import { createObject, CreatePrinter, namespaceObject } from '../../src/cli/create.js';
import { dryRunFlag, fieldManagerFlag, objectOutputFlag } from '../../src/cli/flags.js';
import type { DryRun } from '../../src/cli/objects.js';
import { discover, resolveResource } from '../../src/cli/resources.js';

export default class CreateNamespace extends KubeCommand {
  static override description = 'Create a namespace with the given name';

  static override aliases = ['create:ns'];

  static override examples = ['<%= config.bin %> create namespace team-a'];

  static override args = { name: Args.string({ description: 'namespace name', required: true }) };

  static override flags = {
    'dry-run': dryRunFlag,
    output: objectOutputFlag,
    'field-manager': fieldManagerFlag,
  };

  public async run(): Promise<void> {
    const { flags, args } = await this.parse(CreateNamespace);
    const target = this.target(flags);
    const r = resolveResource(await discover(target.client), 'namespaces');
    const dryRun = flags['dry-run'] as DryRun;
    await createObject(
      target.client,
      r,
      undefined,
      namespaceObject(args.name),
      dryRun,
      flags['field-manager'],
      new CreatePrinter(flags.output, dryRun, (s) => process.stdout.write(s)),
    );
  }
}
