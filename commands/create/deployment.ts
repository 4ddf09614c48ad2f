import { Args, Flags } from '@oclif/core';
import { KubeCommand } from '../../src/cli/base.js';
import { createObject, CreatePrinter, deploymentObject } from '../../src/cli/create.js';
import { dryRunFlag, fieldManagerFlag, objectOutputFlag } from '../../src/cli/flags.js';
import type { DryRun } from '../../src/cli/objects.js';
import { discover, resolveResource } from '../../src/cli/resources.js';

export default class CreateDeployment extends KubeCommand {
  static override description =
    'Create a deployment with the given name, labelled and selected by app=NAME';

  static override aliases = ['create:deploy'];

  static override examples = [
    '<%= config.bin %> create deployment web --image=nginx',
    '<%= config.bin %> create deployment web --image=nginx --replicas=3 --port=80',
    '<%= config.bin %> create deployment web --image=busybox --dry-run=client -o yaml',
  ];

  static override args = { name: Args.string({ description: 'deployment name', required: true }) };

  static override flags = {
    image: Flags.string({
      description: 'container image (repeat for several containers)',
      multiple: true,
      required: true,
    }),
    replicas: Flags.integer({ char: 'r', description: 'number of replicas', default: 1 }),
    port: Flags.integer({
      description: 'the port the first container exposes (-1: none)',
      default: -1,
    }),
    'dry-run': dryRunFlag,
    output: objectOutputFlag,
    'field-manager': fieldManagerFlag,
  };

  public async run(): Promise<void> {
    const { flags, args } = await this.parse(CreateDeployment);
    const target = this.target(flags);
    const r = resolveResource(await discover(target.client), 'deployments.apps');
    const dryRun = flags['dry-run'] as DryRun;
    await createObject(
      target.client,
      r,
      flags.namespace ?? target.namespace,
      deploymentObject({
        name: args.name,
        namespace: flags.namespace,
        images: flags.image,
        replicas: flags.replicas,
        port: flags.port,
      }),
      dryRun,
      flags['field-manager'],
      new CreatePrinter(flags.output, dryRun, (s) => process.stdout.write(s)),
      'failed to create deployment: ',
    );
  }
}
