import { readFileSync } from 'node:fs';
import { Flags } from '@oclif/core';
import { KubeCommand } from '../src/cli/base.js';
import { createFromManifests, CreatePrinter } from '../src/cli/create.js';
import { dryRunFlag, fieldManagerFlag, objectOutputFlag } from '../src/cli/flags.js';
import { readManifests } from '../src/cli/manifests.js';
import type { DryRun } from '../src/cli/objects.js';
import { discover } from '../src/cli/resources.js';

export default class Create extends KubeCommand {
  static override description =
    'Create resources from files, directories or stdin (fails on objects that already exist); see the subcommands for imperative forms';

  static override examples = [
    '<%= config.bin %> create -f app.yaml',
    'cat pod.json | <%= config.bin %> create -f -',
    '<%= config.bin %> create -f manifests/ -R --dry-run=server',
  ];

  static override flags = {
    filename: Flags.string({
      char: 'f',
      description: 'file, directory or - for stdin',
      multiple: true,
      required: true,
    }),
    recursive: Flags.boolean({
      char: 'R',
      description: 'process directories recursively',
      default: false,
    }),
    'dry-run': dryRunFlag,
    output: objectOutputFlag,
    'field-manager': fieldManagerFlag,
  };

  public async run(): Promise<void> {
    const { flags } = await this.parse(Create);
    const manifests = readManifests(
      flags.filename,
      flags.recursive,
      () => readFileSync(0, 'utf8'),
      'create',
    );
    const target = this.target(flags);
    const dryRun = flags['dry-run'] as DryRun;
    const ok = await createFromManifests(
      target.client,
      await discover(target.client),
      manifests,
      {
        namespace: flags.namespace ?? target.namespace,
        explicitNamespace: flags.namespace,
        dryRun,
        fieldManager: flags['field-manager'],
      },
      new CreatePrinter(flags.output, dryRun, (s) => process.stdout.write(s)),
      (s) => process.stderr.write(s),
    );
    if (!ok) this.exit(1);
  }
}
