// The base of commands that talk to a cluster: target flags (--cluster, --kubeconfig, --context),
// namespace flags, and kubectl's error rendering (`Error from server (NotFound): ...`, exit 1).
import { Command, Flags, type Interfaces } from '@oclif/core';
import { renderError } from './errors.js';
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
    const rendered = renderError(err);
    if (rendered) {
      process.stderr.write(rendered.text);
      this.exit(rendered.exitCode);
    }
    return super.catch(err);
  }
}
