import { Args, Flags } from '@oclif/core';
import { KubeCommand } from '../../../src/cli/base.js';
import { collectData, secretObject, createObject, CreatePrinter } from '../../../src/cli/create.js';
import { dryRunFlag, fieldManagerFlag, objectOutputFlag } from '../../../src/cli/flags.js';
import type { DryRun } from '../../../src/cli/objects.js';
import { discover, resolveResource } from '../../../src/cli/resources.js';

export default class CreateSecretGeneric extends KubeCommand {
  static override description =
    'Create a generic (Opaque unless --type) secret from literal values, files (key = file name, or KEY=PATH), directories or env files';

  static override examples = [
    '<%= config.bin %> create secret generic db --from-literal=mode=prod --from-literal=level=3',
    '<%= config.bin %> create secret generic tls --from-file=conf/nginx.conf --from-file=extra=conf/extra.conf',
    '<%= config.bin %> create secret generic env --from-env-file=app.env',
  ];

  static override args = { name: Args.string({ description: 'secret name', required: true }) };

  static override flags = {
    'from-literal': Flags.string({ description: 'KEY=VALUE (repeatable)', multiple: true }),
    'from-file': Flags.string({
      description: 'PATH or KEY=PATH; a directory adds each regular file in it (repeatable)',
      multiple: true,
    }),
    'from-env-file': Flags.string({
      description: 'file of KEY=VALUE lines (repeatable)',
      multiple: true,
    }),
    type: Flags.string({ description: 'the secret type (the server defaults it to Opaque)' }),
    'dry-run': dryRunFlag,
    output: objectOutputFlag,
    'field-manager': fieldManagerFlag,
  };

  public async run(): Promise<void> {
    const { flags, args } = await this.parse(CreateSecretGeneric);
    const data = collectData(
      {
        literals: flags['from-literal'] ?? [],
        files: flags['from-file'] ?? [],
        envFiles: flags['from-env-file'] ?? [],
      },
      'Secret',
      args.name,
    );
    const target = this.target(flags);
    const r = resolveResource(await discover(target.client), 'secrets');
    const dryRun = flags['dry-run'] as DryRun;
    await createObject(
      target.client,
      r,
      flags.namespace ?? target.namespace,
      secretObject(args.name, flags.namespace, data, flags.type),
      dryRun,
      flags['field-manager'],
      new CreatePrinter(flags.output, dryRun, (s) => process.stdout.write(s)),
      'failed to create secret ',
    );
  }
}
