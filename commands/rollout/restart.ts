import { KubeCommand } from '../../src/cli/base.js';
import { discover } from '../../src/cli/resources.js';
import { runRolloutPatch } from '../../src/cli/rollout.js';

export default class RolloutRestart extends KubeCommand {
  static override description =
    'Restart a deployment, daemon set or stateful set: new pods replace the old ones (a kubectl.kubernetes.io/restartedAt template annotation)';

  static override strict = false;

  static override usage = 'rollout restart TYPE NAME | TYPE/NAME ...';

  static override examples = [
    '<%= config.bin %> rollout restart deployment/web',
    '<%= config.bin %> rollout restart deploy web api',
  ];

  public async run(): Promise<void> {
    const { flags, argv } = await this.parse(RolloutRestart);
    const target = this.target(flags);
    await runRolloutPatch(
      target.client,
      await discover(target.client),
      argv as string[],
      flags.namespace ?? target.namespace,
      'restart',
      (s) => process.stdout.write(s),
    );
  }
}
