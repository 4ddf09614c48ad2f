import { readFileSync } from 'node:fs';
import { Flags } from '@oclif/core';
import { isStatusError } from '../src/api/status.js';
import type { KubeObject } from '../src/api/types.js';
import { resourcePath } from '../src/client/rest.js';
import { KubeCommand } from '../src/cli/base.js';
import { CliError } from '../src/cli/cluster.js';
import { readManifests } from '../src/cli/manifests.js';
import { progress } from '../src/cli/progress.js';
import { prune, pruneKinds, waitGone } from '../src/cli/prune.js';
import { discover, typePrefix } from '../src/cli/resources.js';

export default class Apply extends KubeCommand {
  static override description =
    'Apply configuration from files, directories or stdin (server-side apply; prints created, configured or unchanged)';

  static override examples = [
    '<%= config.bin %> apply -f app.yaml',
    'cat app.yaml | <%= config.bin %> apply -f -',
    '<%= config.bin %> apply -f manifests/ -R',
    '<%= config.bin %> apply --server-side -f app.yaml',
    '<%= config.bin %> apply -f manifests/ --prune -l app=web --wait',
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
    'server-side': Flags.boolean({
      description:
        'report as kubectl apply --server-side does (serverside-applied) and fail on field conflicts',
      default: false,
    }),
    'force-conflicts': Flags.boolean({
      description: 'with --server-side: take over fields other managers own',
      default: false,
      dependsOn: ['server-side'],
    }),
    prune: Flags.boolean({
      description:
        'delete objects kbox applied before that match -l (or --all) but are not in the input',
      default: false,
    }),
    selector: Flags.string({ char: 'l', description: 'label selector for --prune' }),
    all: Flags.boolean({
      description: 'with --prune: consider every object, not only matching -l',
      default: false,
    }),
    'prune-allowlist': Flags.string({
      description: "group/version/kind to prune (core for the core group); default kubectl's list",
      multiple: true,
    }),
    wait: Flags.boolean({
      description: 'with --prune: wait for pruned objects to be gone',
      default: false,
    }),
  };

  public async run(): Promise<void> {
    const { flags } = await this.parse(Apply);
    if (flags.prune && !flags.all && !flags.selector)
      throw new CliError(
        'all resources selected for prune without explicitly passing --all. To prune all resources, pass the --all flag. If you did not mean to prune all resources, specify a label selector',
      );
    if (flags.all && flags.selector)
      throw new CliError('cannot set --all and --selector at the same time');
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
    const serverSide = flags['server-side'];
    const visited = new Set<string>();
    const namespaces = new Set<string>();
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
      if (ns !== undefined) namespaces.add(ns);
      if (flags['dry-run'] === 'client') {
        if (before?.metadata.uid) visited.add(before.metadata.uid);
        this.log(
          `${id} ${serverSide ? 'serverside-applied' : before ? 'configured' : 'created'}${suffix}`,
        );
        continue;
      }
      const body: KubeObject = {
        ...object,
        metadata: { ...object.metadata, ...(ns ? { namespace: ns } : {}) },
      };
      const params = new URLSearchParams({
        fieldManager: flags['field-manager'],
        force: String(!serverSide || flags['force-conflicts']),
      });
      if (flags['dry-run'] === 'server') params.set('dryRun', 'All');
      try {
        const after = await client.call<KubeObject>(
          'PATCH',
          `${resourcePath(r, ns, name)}?${params.toString()}`,
          body,
          'application/apply-patch+yaml',
        );
        if (after.metadata.uid) visited.add(after.metadata.uid);
        const verb = serverSide
          ? 'serverside-applied'
          : !before
            ? 'created'
            : before.metadata.resourceVersion === after.metadata.resourceVersion
              ? 'unchanged'
              : 'configured';
        this.log(`${id} ${verb}${suffix}`);
      } catch (err) {
        if (!isStatusError(err)) throw err;
        if (serverSide && err.code === 409 && err.message.startsWith('Apply failed with')) {
          // kubectl wraps the server's conflict Status in its own advice (apply.go).
          process.stderr.write(`error: ${err.message}\n${CONFLICT_ADVICE}\n`);
          failed = true;
          continue;
        }
        const reason = err.reason ? ` (${err.reason})` : '';
        process.stderr.write(
          `Error from server${reason}: error when applying "${source}": ${err.message}\n`,
        );
        failed = true;
      }
    }
    if (flags.prune) {
      const pruned = await prune(client, {
        kinds: pruneKinds(all, flags['prune-allowlist'] ?? []),
        namespaces,
        ...(flags.selector ? { labelSelector: flags.selector } : {}),
        visited,
        fieldManager: flags['field-manager'],
        dryRun: flags['dry-run'] as 'none' | 'client' | 'server',
      });
      for (const p of pruned) this.log(`${typePrefix(p.resource)}/${p.name} pruned${suffix}`);
      if (flags.wait && flags['dry-run'] === 'none' && pruned.length > 0) {
        // Spinner only on a terminal: piped stderr stays as quiet as kubectl's.
        const spin = process.stderr.isTTY ? await progress() : undefined;
        spin?.phase(`waiting for ${pruned.length} pruned object(s) to be gone`);
        await waitGone(client, pruned);
        spin?.succeed(`${pruned.length} pruned object(s) gone`);
      }
    }
    if (failed) this.exit(1);
  }
}

const CONFLICT_ADVICE = `Please review the fields above--they currently have other managers. Here
are the ways you can resolve this warning:
* If you intend to manage all of these fields, please re-run the apply
  command with the \`--force-conflicts\` flag.
* If you do not intend to manage all of the fields, please edit your
  manifest to remove references to the fields that should keep their
  current managers.
* You may co-own fields by updating your manifest to match the existing
  value; in this case, you'll become the manager if the other manager(s)
  stop managing the field (remove it from their configuration).
See https://kubernetes.io/docs/reference/using-api/server-side-apply/#conflicts`;
