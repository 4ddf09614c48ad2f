import { Args, Flags } from '@oclif/core';
import { KubeCommand } from '../../src/cli/base.js';
import { CliError } from '../../src/cli/cluster.js';
import { parseDuration } from '../../src/cli/duration.js';
import { singleObject } from '../../src/cli/objects.js';
import { discover } from '../../src/cli/resources.js';
import { waitForRollout } from '../../src/cli/rollout.js';

export default class RolloutStatus extends KubeCommand {
  static override description =
    'Show the status of a rollout (deployment, daemon set or stateful set); by default, wait until it finishes';

  static override strict = false;

  static override usage = 'rollout status TYPE NAME | TYPE/NAME';

  static override examples = [
    '<%= config.bin %> rollout status deployment/web',
    '<%= config.bin %> rollout status deploy web --timeout=60s',
    '<%= config.bin %> rollout status deploy/web --watch=false',
  ];

  static override args = {
    resource: Args.string({ description: 'TYPE/NAME or TYPE NAME' }),
  };

  static override flags = {
    watch: Flags.string({
      char: 'w',
      description:
        'watch until the rollout finishes (true), or print the current status once (false)',
      options: ['true', 'false'],
      default: 'true',
    }),
    revision: Flags.integer({
      description: 'pin to a revision: fail if the deployment runs another one (0: latest)',
      default: 0,
    }),
    timeout: Flags.string({
      description: 'how long to wait before giving up, e.g. 30s, 2m (0: forever)',
      default: '0s',
    }),
  };

  public async run(): Promise<void> {
    const { flags, argv } = await this.parse(RolloutStatus);
    if (flags.revision < 0)
      throw new CliError(`revision must be a positive integer: ${flags.revision}`);
    let timeoutMs: number;
    try {
      timeoutMs = parseDuration(flags.timeout);
    } catch (err) {
      throw new CliError((err as Error).message);
    }
    const target = this.target(flags);
    const { r, name } = singleObject(
      await discover(target.client),
      argv as string[],
      'rollout status',
    );
    await waitForRollout(
      target.client,
      r,
      flags.namespace ?? target.namespace,
      name,
      { revision: flags.revision, watch: flags.watch === 'true', timeoutMs },
      (s) => process.stdout.write(s),
    );
  }
}
