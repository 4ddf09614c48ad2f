import { Args, Flags } from '@oclif/core';
import { KubeCommand } from '../../src/cli/base.js';
import { collectData, configMapObject, createObject, CreatePrinter } from '../../src/cli/create.js';
import { dryRunFlag, fieldManagerFlag, objectOutputFlag } from '../../src/cli/flags.js';
import type { DryRun } from '../../src/cli/objects.js';
import { discover, resolveResource } from '../../src/cli/resources.js';

export default class CreateConfigMap extends KubeCommand {
  static override description =
    'Create a config map from literal values, files (key = file name, or KEY=PATH), directories or env files';

  static override aliases = ['create:cm'];

  static override examples = [
    '<%= config.bin %> create configmap app --from-literal=mode=prod --from-literal=level=3',
    '<%= config.bin %> create configmap nginx --from-file=conf/nginx.conf --from-file=extra=conf/extra.conf',
    '<%= config.bin %> create configmap env --from-env-file=app.env',
  ];

  static override args = { name: Args.string({ description: 'config map name', required: true }) };

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
    'dry-run': dryRunFlag,
    output: objectOutputFlag,
    'field-manager': fieldManagerFlag,
  };

  public async run(): Promise<void> {
    const { flags, args } = await this.parse(CreateConfigMap);
    const data = collectData(
      {
        literals: flags['from-literal'] ?? [],
        files: flags['from-file'] ?? [],
        envFiles: flags['from-env-file'] ?? [],
      },
      'ConfigMap',
      args.name,
    );
    const target = this.target(flags);
    const r = resolveResource(await discover(target.client), 'configmaps');
    const dryRun = flags['dry-run'] as DryRun;
    await createObject(
      target.client,
      r,
      flags.namespace ?? target.namespace,
      configMapObject(args.name, flags.namespace, data),
      dryRun,
      flags['field-manager'],
      new CreatePrinter(flags.output, dryRun, (s) => process.stdout.write(s)),
      'failed to create configmap: ',
    );
  }
}
