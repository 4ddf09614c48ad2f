import { KubeCommand } from '../../src/cli/base.js';
import { singleObject } from '../../src/cli/objects.js';
import { discover, typePrefix } from '../../src/cli/resources.js';
import { historyTable, rolloutHistory } from '../../src/cli/rollout.js';

export default class RolloutHistory extends KubeCommand {
  static override description =
    'List the revisions of a deployment, stateful set or daemon set and their change causes';

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
    const obj = await target.client.get(r, flags.namespace ?? target.namespace, name);
    const table = historyTable(await rolloutHistory(target.client, r, obj));
    // kubectl prints the object's name with the table as the "operation", then a blank line.
    process.stdout.write(`${typePrefix(r)}/${name} \n${table}\n`);
  }
}
