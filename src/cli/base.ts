// The base of commands that talk to a cluster: target flags (--cluster, --kubeconfig, --context),
// namespace flags, and kubectl's error rendering (`Error from server (NotFound): ...`, exit 1).
import { Command, Flags, type Interfaces } from '@oclif/core';
import { isStatusError } from '../api/status.js';
import { CliError } from './cluster.js';
import { resolveTarget, type Target } from './target.js';

export type KubeFlags<T extends typeof Command> = Interfaces.InferredFlags<
  (typeof KubeCommand)['baseFlags'] & T['flags']
>;

export abstract class KubeCommand extends Command {
  static override baseFlags = {
    cluster: Flags.string({
      description: 'kbox cluster to use (default: $KBOX_CLUSTER, else the current kbox context)',
      helpGroup: 'TARGET',
    }),
    kubeconfig: Flags.string({
      description: 'use this kubeconfig file instead of a kbox cluster',
      helpGroup: 'TARGET',
    }),
    context: Flags.string({ description: 'kubeconfig context to use', helpGroup: 'TARGET' }),
    namespace: Flags.string({
      char: 'n',
      description: 'namespace (default: the context\'s, else "default")',
      helpGroup: 'TARGET',
    }),
  };

  #target: Target | undefined;

  protected target(flags: { cluster?: string; kubeconfig?: string; context?: string }): Target {
    this.#target ??= resolveTarget(flags);
    return this.#target;
  }

  protected override async finally(err: Error | undefined): Promise<unknown> {
    await this.#target?.client.close();
    return super.finally(err);
  }

  protected override async catch(err: Error & { exitCode?: number }): Promise<unknown> {
    if (isStatusError(err)) {
      const reason = err.reason;
      if (reason === 'Invalid' && err.status.details?.causes?.length) {
        const kind = err.status.details.kind ?? '';
        const causes = err.status.details.causes;
        const head = `The ${kind} "${err.status.details.name ?? ''}" is invalid: `;
        const body =
          causes.length === 1
            ? `${causes[0]?.field ?? ''}: ${causes[0]?.message ?? ''}`
            : `\n${causes.map((c) => `* ${c.field ?? ''}: ${c.message ?? ''}`).join('\n')}`;
        process.stderr.write(`${head}${body}\n`);
      } else if (reason === 'Unauthorized') {
        process.stderr.write(`error: You must be logged in to the server (${err.message})\n`);
      } else {
        process.stderr.write(`Error from server${reason ? ` (${reason})` : ''}: ${err.message}\n`);
      }
      this.exit(1);
    }
    if (err instanceof CliError) {
      // An empty message is kubectl's ErrExit: the command already said what went wrong.
      if (err.message !== '') process.stderr.write(`error: ${err.message}\n`);
      this.exit(err.exitCode);
    }
    const code = (err as { code?: string }).code;
    if (code === 'ECONNREFUSED' || code === 'UND_ERR_CONNECT_TIMEOUT') {
      process.stderr.write(
        `error: the cluster's API server is not answering (${err.message}); is it running? Try: kbox cluster status\n`,
      );
      this.exit(1);
    }
    return super.catch(err);
  }
}
