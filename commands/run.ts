import { Flags } from '@oclif/core';
import { KubeCommand } from '../src/cli/base.js';
import { CliError } from '../src/cli/cluster.js';
import { createObject, CreatePrinter } from '../src/cli/create.js';
import { dryRunFlag, fieldManagerFlag, objectOutputFlag, positionals } from '../src/cli/flags.js';
import { podObject } from '../src/cli/generators.js';
import type { DryRun } from '../src/cli/objects.js';
import { discover, resolveResource } from '../src/cli/resources.js';

export default class Run extends KubeCommand {
  static override description = 'Create and run a particular image in a pod';

  static override strict = false;

  static override usage =
    'run NAME --image=IMAGE [--env=K=V] [--port=PORT] [--command] -- [COMMAND] [ARGS...]';

  static override examples = [
    '<%= config.bin %> run web --image=nginx --port=80',
    '<%= config.bin %> run job --image=busybox --restart=Never -- sh -c "echo hello"',
    '<%= config.bin %> run sleeper --image=busybox --command -- sleep 3600',
  ];

  static override flags = {
    image: Flags.string({ description: 'the image for the container (required)', required: true }),
    port: Flags.integer({ description: 'the port the container exposes', default: -1 }),
    env: Flags.string({ description: 'an environment variable K=V (repeatable)', multiple: true }),
    labels: Flags.string({
      char: 'l',
      description: 'labels for the pod, k=v,k2=v2 (default run=NAME)',
    }),
    restart: Flags.string({
      description: 'the pod restart policy',
      options: ['Always', 'OnFailure', 'Never'],
      default: 'Always',
    }),
    command: Flags.boolean({
      description: 'the words after -- are the command, not the arguments of the image entrypoint',
      default: false,
    }),
    'dry-run': dryRunFlag,
    output: objectOutputFlag,
    'field-manager': fieldManagerFlag,
  };

  public async run(): Promise<void> {
    const { flags, raw } = await this.parse(Run);
    const [name, ...rest] = positionals(raw);
    if (!name) throw new CliError('NAME is required for run');
    const target = this.target(flags);
    const r = resolveResource(await discover(target.client), 'pods');
    const dryRun = flags['dry-run'] as DryRun;
    await createObject(
      target.client,
      r,
      flags.namespace ?? target.namespace,
      podObject({
        name,
        namespace: flags.namespace,
        image: flags.image,
        port: flags.port,
        env: flags.env ?? [],
        labels: flags.labels,
        restart: flags.restart,
        rest,
        command: flags.command,
      }),
      dryRun,
      flags['field-manager'],
      new CreatePrinter(flags.output, dryRun, (s) => process.stdout.write(s)),
    );
  }
}
