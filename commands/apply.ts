import { readFileSync } from 'node:fs';
import { Flags } from '@oclif/core';
import { isStatusError } from '../src/api/status.js';
import type { KubeObject } from '../src/api/types.js';
import { resourcePath } from '../src/client/rest.js';
import { KubeCommand } from '../src/cli/base.js';
import { CliError } from '../src/cli/cluster.js';
import { readManifests } from '../src/cli/manifests.js';
import { discover, typePrefix } from '../src/cli/resources.js';

export default class Apply extends KubeCommand {
  static override description =
    'Apply configuration from files, directories or stdin (server-side apply; prints created, configured or unchanged)';

  static override examples = [
    '<%= config.bin %> apply -f app.yaml',
    'cat app.yaml | <%= config.bin %> apply -f -',
    '<%= config.bin %> apply -f manifests/ -R',
  ];

  static override flags = {
    filename: Flags.string({
      char: 'f',
      description: 'file, directory or - for stdin',
      multiple: true,
      required: true,
    }),
    recursive: Flags.boolean({
      char: 'R',
      description: 'process directories recursively',
      default: false,
    }),
    'dry-run': Flags.string({
      description: 'client: print only; server: validate on the server without persisting',
      options: ['none', 'client', 'server'],
      default: 'none',
    }),
    'field-manager': Flags.string({
      description: 'name of the manager owning the applied fields',
      default: 'kbox',
    }),
  };

  public async run(): Promise<void> {
    const { flags } = await this.parse(Apply);
    const manifests = readManifests(flags.filename, flags.recursive, () => readFileSync(0, 'utf8'));
    const target = this.target(flags);
    const client = target.client;
    const all = await discover(client);
    const suffix =
      flags['dry-run'] === 'server'
        ? ' (server dry run)'
        : flags['dry-run'] === 'client'
          ? ' (dry run)'
          : '';
    let failed = false;
    for (const { object, source } of manifests) {
      const [group, version] = object.apiVersion?.includes('/')
        ? object.apiVersion.split('/')
        : ['', object.apiVersion];
      const r = all.find(
        (x) => x.group === group && x.version === version && x.kind === object.kind,
      );
      if (!r) {
        process.stderr.write(
          `error: resource mapping not found for name: "${object.metadata.name ?? ''}" namespace: "${object.metadata.namespace ?? ''}" from "${source}": no matches for kind "${String(object.kind)}" in version "${String(object.apiVersion)}"\n`,
        );
        failed = true;
        continue;
      }
      const name = object.metadata.name;
      if (!name)
        throw new CliError(
          `error when applying "${source}": the ${String(object.kind)} has no metadata.name`,
        );
      const ns = r.namespaced
        ? (object.metadata.namespace ?? flags.namespace ?? target.namespace)
        : undefined;
      if (
        r.namespaced &&
        flags.namespace &&
        object.metadata.namespace &&
        object.metadata.namespace !== flags.namespace
      ) {
        throw new CliError(
          `the namespace from the provided object "${object.metadata.namespace}" does not match the namespace "${flags.namespace}". You must pass '--namespace=${object.metadata.namespace}' to perform this operation.`,
        );
      }
      let before: KubeObject | undefined;
      try {
        before = await client.get(r, ns, name);
      } catch (err) {
        if (!isStatusError(err, 'NotFound')) throw err;
      }
      const id = `${typePrefix(r)}/${name}`;
      if (flags['dry-run'] === 'client') {
        this.log(`${id} ${before ? 'configured' : 'created'}${suffix}`);
        continue;
      }
      const body: KubeObject = {
        ...object,
        metadata: { ...object.metadata, ...(ns ? { namespace: ns } : {}) },
      };
      const params = new URLSearchParams({ fieldManager: flags['field-manager'], force: 'true' });
      if (flags['dry-run'] === 'server') params.set('dryRun', 'All');
      try {
        const after = await client.call<KubeObject>(
          'PATCH',
          `${resourcePath(r, ns, name)}?${params.toString()}`,
          body,
          'application/apply-patch+yaml',
        );
        const verb = !before
          ? 'created'
          : before.metadata.resourceVersion === after.metadata.resourceVersion
            ? 'unchanged'
            : 'configured';
        this.log(`${id} ${verb}${suffix}`);
      } catch (err) {
        if (!isStatusError(err)) throw err;
        const reason = err.reason ? ` (${err.reason})` : '';
        process.stderr.write(
          `Error from server${reason}: error when applying "${source}": ${err.message}\n`,
        );
        failed = true;
      }
    }
    if (failed) this.exit(1);
  }
}
