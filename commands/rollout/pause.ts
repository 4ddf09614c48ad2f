import { KubeCommand } from '../../src/cli/base.js';
import { discover } from '../../src/cli/resources.js';
import { runRolloutPatch } from '../../src/cli/rollout.js';

export default class RolloutPause extends KubeCommand {
  static override description =
    'Pause a deployment: template changes do not roll out until it is resumed';

  static override strict = false;

  static override usage = 'rollout pause TYPE NAME | TYPE/NAME ...';

  static override examples = [
    '<%= config.bin %> rollout pause deployment/web',
    '<%= config.bin %> rollout pause deploy web api',
  ];

  public async run(): Promise<void> {
    const { flags, argv } = await this.parse(RolloutPause);
    const target = this.target(flags);
    await runRolloutPatch(
      target.client,
      await discover(target.client),
      argv as string[],
      flags.namespace ?? target.namespace,
      'pause',
      (s) => process.stdout.write(s),
    );
  }
}
