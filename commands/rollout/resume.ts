import { KubeCommand } from '../../src/cli/base.js';
import { discover } from '../../src/cli/resources.js';
import { runRolloutPatch } from '../../src/cli/rollout.js';

export default class RolloutResume extends KubeCommand {
  static override description = 'Resume a paused deployment';

  static override strict = false;

  static override usage = 'rollout resume TYPE NAME | TYPE/NAME ...';

  static override examples = [
    '<%= config.bin %> rollout resume deployment/web',
    '<%= config.bin %> rollout resume deploy web api',
  ];

  public async run(): Promise<void> {
    const { flags, argv } = await this.parse(RolloutResume);
    const target = this.target(flags);
    await runRolloutPatch(
      target.client,
      await discover(target.client),
      argv as string[],
      flags.namespace ?? target.namespace,
      'resume',
      (s) => process.stdout.write(s),
    );
  }
}
