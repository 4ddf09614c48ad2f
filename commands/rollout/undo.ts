import { Flags } from '@oclif/core';
import { KubeCommand } from '../../src/cli/base.js';
import { CliError } from '../../src/cli/cluster.js';
import { operationLine, singleObject } from '../../src/cli/objects.js';
import { discover, typePrefix } from '../../src/cli/resources.js';
import { undoDeployment } from '../../src/cli/rollout.js';

export default class RolloutUndo extends KubeCommand {
  static override description =
    "Roll a deployment back to its previous revision (or --to-revision): its template becomes that ReplicaSet's";

  static override strict = false;

  static override usage = 'rollout undo TYPE NAME | TYPE/NAME [--to-revision=N]';

  static override examples = [
    '<%= config.bin %> rollout undo deployment/web',
    '<%= config.bin %> rollout undo deploy/web --to-revision=2',
  ];

  static override flags = {
    'to-revision': Flags.integer({
      description: 'the revision to roll back to (0: the one before the current)',
      default: 0,
    }),
    'dry-run': Flags.string({
      description: 'none, or server (submit as a server-side dry run, nothing persisted)',
      options: ['none', 'server'],
      default: 'none',
    }),
  };

  public async run(): Promise<void> {
    const { flags, argv } = await this.parse(RolloutUndo);
    const target = this.target(flags);
    const { r, name } = singleObject(
      await discover(target.client),
      argv as string[],
      'rollout undo',
    );
    if (r.group !== 'apps' || r.kind !== 'Deployment')
      throw new CliError(`kbox implements rollout undo for deployments only, not ${typePrefix(r)}`);
    const deployment = await target.client.get(r, flags.namespace ?? target.namespace, name);
    const dryRun = flags['dry-run'] === 'server';
    const result = await undoDeployment(target.client, r, deployment, flags['to-revision'], dryRun);
    process.stdout.write(operationLine(r, name, result, dryRun ? 'server' : 'none'));
  }
}
