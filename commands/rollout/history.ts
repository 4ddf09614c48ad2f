import { KubeCommand } from '../../src/cli/base.js';
import { CliError } from '../../src/cli/cluster.js';
import { singleObject } from '../../src/cli/objects.js';
import { discover, typePrefix } from '../../src/cli/resources.js';
import { historyTable, ownedReplicaSets } from '../../src/cli/rollout.js';

export default class RolloutHistory extends KubeCommand {
  static override description =
    "List a deployment's revisions and their change causes (from its ReplicaSets)";

  static override strict = false;

  static override usage = 'rollout history TYPE NAME | TYPE/NAME';

  static override examples = ['<%= config.bin %> rollout history deployment/web'];

  public async run(): Promise<void> {
    const { flags, argv } = await this.parse(RolloutHistory);
    const target = this.target(flags);
    const { r, name } = singleObject(
      await discover(target.client),
      argv as string[],
      'rollout history',
    );
    if (r.group !== 'apps' || r.kind !== 'Deployment')
      throw new CliError(
        `kbox implements rollout history for deployments only, not ${typePrefix(r)}`,
      );
    const deployment = await target.client.get(r, flags.namespace ?? target.namespace, name);
    const table = historyTable(await ownedReplicaSets(target.client, deployment));
    // kubectl prints the object's name with the table as the "operation", then a blank line.
    process.stdout.write(`${typePrefix(r)}/${name} \n${table}\n`);
  }
}
