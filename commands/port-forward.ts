import { Args, Flags } from '@oclif/core';
import { KubeCommand } from '../src/cli/base.js';
import { runPortForward } from '../src/cli/port-forward.js';
import { discover } from '../src/cli/resources.js';

export default class PortForward extends KubeCommand {
  static override description =
    'Forward local ports to a pod (or the pod behind a service, deployment, ...), as kubectl port-forward';

  static override strict = false;

  static override usage = 'port-forward TYPE/NAME [LOCAL_PORT:]REMOTE_PORT... [--address ADDR]';

  static override examples = [
    '<%= config.bin %> port-forward pod/web 8080:80',
    '<%= config.bin %> port-forward svc/web :80',
    '<%= config.bin %> port-forward deploy/web 5000 6000 --address 0.0.0.0',
  ];

  static override args = {
    target: Args.string({ description: 'POD or TYPE/NAME', required: true }),
  };

  static override flags = {
    address: Flags.string({
      description:
        'addresses to listen on (comma-separated or repeated); localhost is 127.0.0.1 and ::1',
      multiple: true,
      multipleNonGreedy: true,
      delimiter: ',',
      default: ['localhost'],
    }),
  };

  public async run(): Promise<void> {
    const { flags, args, argv } = await this.parse(PortForward);
    const target = this.target(flags);
    const abort = new AbortController();
    process.once('SIGINT', () => abort.abort());
    process.once('SIGTERM', () => abort.abort());
    await runPortForward(target.client, await discover(target.client), {
      namespace: flags.namespace ?? target.namespace,
      target: args.target,
      ports: (argv as string[]).slice(1),
      addresses: flags.address,
      out: (s) => process.stdout.write(s),
      err: (s) => process.stderr.write(s),
      signal: abort.signal,
    });
  }
}
