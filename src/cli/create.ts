// `create`: from manifests (POST each object; AlreadyExists and friends are reported per file and
// the rest still created), and kubectl's imperative generators (namespace, deployment, configmap,
// secret generic), which build exactly the objects kubectl builds, field order included, so
// `--dry-run=client -o json|yaml` prints what kubectl prints.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { isStatusError } from '../api/status.js';
import type { KubeObject } from '../api/types.js';
import { resourcePath, type KubeClient } from '../client/rest.js';
import { CliError } from './cluster.js';
import type { Manifest } from './manifests.js';
import { operationLine, type DryRun } from './objects.js';
import { kubectlYaml, omitManagedFields, parseOutput } from './printers.js';
import { typePrefix, type ApiResource } from './resources.js';

export function meta(name: string, namespace: string | undefined): KubeObject['metadata'] {
  return {
    name,
    ...(namespace !== undefined ? { namespace } : {}),
    creationTimestamp: null as unknown as string,
  };
}

export function namespaceObject(name: string): KubeObject {
  return {
    kind: 'Namespace',
    apiVersion: 'v1',
    metadata: meta(name, undefined),
    spec: {},
    status: {},
  };
}

/** Random name suffixes in the alphabet of apimachinery's rand.String (no vowels, no 0/1/3). */
const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * kubectl's container name for an image: its last path part, without tag or digest; a name that
 * needed '_' replaced gets a random 5-character suffix, as kubectl's sanitizeAndUniquify does.
 */
export function containerNameFor(image: string, random: () => number = Math.random): string {
  let name = image.split('/').pop() ?? image;
  name = name.split(':')[0] ?? name;
  name = name.split('@')[0] ?? name;
  if (!name.includes('_')) return name;
  let suffix = '';
  for (let i = 0; i < 5; i++)
    suffix += SUFFIX_ALPHABET[Math.floor(random() * SUFFIX_ALPHABET.length)] ?? 'x';
  return `${name.replaceAll('_', '-')}-${suffix}`;
}

export interface DeploymentSpecInput {
  name: string;
  namespace: string | undefined;
  images: string[];
  replicas: number;
  port: number;
}

export function deploymentObject(o: DeploymentSpecInput): KubeObject {
  const labels = { app: o.name };
  const containers = o.images.map((image, i) => {
    const name = containerNameFor(image);
    return {
      name,
      image,
      ...(i === 0 && o.port >= 0 ? { ports: [{ containerPort: o.port }] } : {}),
      resources: {},
    };
  });
  return {
    kind: 'Deployment',
    apiVersion: 'apps/v1',
    metadata: { ...meta(o.name, o.namespace), labels },
    spec: {
      replicas: o.replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { creationTimestamp: null, labels },
        spec: { containers },
      },
      strategy: {},
    },
    status: {},
  };
}

const KEY = /^[-._a-zA-Z0-9]+$/;

function checkKey(key: string, kind: 'ConfigMap' | 'Secret'): void {
  if (key.length > 253 || !KEY.test(key) || key === '.' || key === '..' || key.startsWith('..')) {
    const why = `a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`;
    // kubectl words the two differently; keep each as it is.
    throw new CliError(
      kind === 'ConfigMap'
        ? `${JSON.stringify(key)} is not a valid key name for a ConfigMap: ${why}`
        : `${JSON.stringify(key)} is not valid key name for a Secret ${why}`,
    );
  }
}

export interface DataSources {
  literals: string[];
  files: string[];
  envFiles: string[];
}

/** Reads --from-literal / --from-file / --from-env-file into key → bytes, with kubectl's errors. */
export function collectData(
  src: DataSources,
  kind: 'ConfigMap' | 'Secret',
  name: string,
  env: NodeJS.ProcessEnv = process.env,
): Map<string, Buffer> {
  if (src.envFiles.length > 0 && (src.files.length > 0 || src.literals.length > 0))
    throw new CliError('from-env-file cannot be combined with from-file or from-literal');
  const data = new Map<string, Buffer>();
  const add = (key: string, value: Buffer): void => {
    checkKey(key, kind);
    if (data.has(key))
      throw new CliError(
        kind === 'ConfigMap'
          ? `cannot add key ${JSON.stringify(key)}, another key by that name already exists in Data for ConfigMap ${JSON.stringify(name)}`
          : `cannot add key ${key}, another key by that name already exists`,
      );
    data.set(key, value);
  };
  for (const file of src.files) {
    const eq = file.indexOf('=');
    const [key, path] = eq > 0 ? [file.slice(0, eq), file.slice(eq + 1)] : [undefined, file];
    let st;
    try {
      st = statSync(path);
    } catch {
      throw new CliError(`error reading ${path}: no such file or directory`);
    }
    if (st.isDirectory()) {
      if (key !== undefined) throw new CliError('cannot give a key name for a directory path');
      for (const entry of readdirSync(path).sort()) {
        const full = join(path, entry);
        if (statSync(full).isFile()) add(entry, readFileSync(full));
      }
    } else {
      add(key ?? basename(path), readFileSync(path));
    }
  }
  for (const lit of src.literals) {
    const eq = lit.indexOf('=');
    if (eq <= 0) throw new CliError(`invalid literal source ${lit}, expected key=value`);
    add(lit.slice(0, eq), Buffer.from(lit.slice(eq + 1), 'utf8'));
  }
  for (const file of src.envFiles) {
    const lines = readFileSync(file, 'utf8').split(/\r?\n/);
    lines.forEach((raw, i) => {
      const line = raw.replace(/^\uFEFF/, '').trimStart();
      if (line === '' || line.startsWith('#')) return;
      const eq = line.indexOf('=');
      const key = eq >= 0 ? line.slice(0, eq) : line;
      if (/\s/.test(key) || key === '')
        throw new CliError(`${JSON.stringify(key)} is not a valid key name: line ${i + 1}`);
      const value = eq >= 0 ? line.slice(eq + 1) : env[key];
      if (value !== undefined) add(key, Buffer.from(value, 'utf8'));
    });
  }
  return data;
}

/** Go encodes maps with their keys in byte order; so do we, for identical JSON output. */
function sortedEntries(data: Map<string, Buffer>): Array<[string, Buffer]> {
  return [...data].sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

function isUtf8(b: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
}

export function configMapObject(
  name: string,
  namespace: string | undefined,
  data: Map<string, Buffer>,
): KubeObject {
  const text: Record<string, string> = {};
  const binary: Record<string, string> = {};
  for (const [k, v] of sortedEntries(data)) {
    if (isUtf8(v)) text[k] = v.toString('utf8');
    else binary[k] = v.toString('base64');
  }
  return {
    kind: 'ConfigMap',
    apiVersion: 'v1',
    metadata: meta(name, namespace),
    ...(Object.keys(text).length > 0 ? { data: text } : {}),
    ...(Object.keys(binary).length > 0 ? { binaryData: binary } : {}),
  };
}

export function secretObject(
  name: string,
  namespace: string | undefined,
  data: Map<string, Buffer>,
  type: string | undefined,
): KubeObject {
  const encoded: Record<string, string> = {};
  for (const [k, v] of sortedEntries(data)) encoded[k] = v.toString('base64');
  return {
    kind: 'Secret',
    apiVersion: 'v1',
    metadata: meta(name, namespace),
    ...(data.size > 0 ? { data: encoded } : {}),
    ...(type ? { type } : {}),
  };
}

/** Prints created objects: -o json|yaml|name, else kubectl's `<type>/<name> created`. */
export class CreatePrinter {
  #count = 0;

  constructor(
    private readonly output: string | undefined,
    private readonly dryRun: DryRun,
    private readonly out: (s: string) => void,
    /** The word after the name: `created`, or `exposed` for kubectl expose. */
    private readonly verb = 'created',
  ) {
    if (output !== undefined && output !== '') {
      const fmt = parseOutput(output);
      if (fmt.kind !== 'json' && fmt.kind !== 'yaml' && fmt.kind !== 'name')
        throw new CliError(
          `unable to match a printer suitable for the output format "${output}", allowed formats are: json,name,yaml`,
        );
    }
  }

  print(r: ApiResource, shown: KubeObject): void {
    // kubectl's -o json/yaml leave managedFields out (no --show-managed-fields here).
    const obj = omitManagedFields(shown);
    const name = obj.metadata.name ?? '';
    switch (this.output) {
      case 'json':
        this.out(`${JSON.stringify(obj, null, 4)}\n`);
        break;
      case 'yaml':
        this.out(`${this.#count > 0 ? '---\n' : ''}${kubectlYaml(obj)}`);
        break;
      case 'name':
        this.out(`${typePrefix(r)}/${name}\n`);
        break;
      default:
        this.out(operationLine(r, name, this.verb, this.dryRun));
    }
    this.#count++;
  }
}

/**
 * POSTs one object (unless a client dry run) and prints it. kubectl's generators wrap a server
 * failure in their own words (`failed to create configmap: ...`); `failure` is that prefix, and
 * without it the server's Status is reported as it is.
 */
export async function createObject(
  client: KubeClient,
  r: ApiResource,
  namespace: string | undefined,
  obj: KubeObject,
  dryRun: DryRun,
  fieldManager: string,
  printer: CreatePrinter,
  failure?: string,
): Promise<void> {
  if (dryRun === 'client') {
    printer.print(r, obj);
    return;
  }
  const params = new URLSearchParams({ fieldManager });
  if (dryRun === 'server') params.set('dryRun', 'All');
  let created: KubeObject;
  try {
    created = await client.call<KubeObject>(
      'POST',
      `${resourcePath(r, namespace)}?${params.toString()}`,
      // The generators' `creationTimestamp: null` is how Go prints an unset time; on the wire
      // kubectl sends nothing there, so neither do we.
      JSON.stringify(obj, (k, v: unknown) =>
        k === 'creationTimestamp' && v === null ? undefined : v,
      ),
    );
  } catch (err) {
    if (failure !== undefined && isStatusError(err)) throw new CliError(`${failure}${err.message}`);
    throw err;
  }
  printer.print(r, created);
}

/** `create -f`: every manifest is tried; failures are printed as kubectl does, then exit 1. */
export async function createFromManifests(
  client: KubeClient,
  all: ApiResource[],
  manifests: Manifest[],
  o: {
    namespace: string;
    explicitNamespace: string | undefined;
    dryRun: DryRun;
    fieldManager: string;
  },
  printer: CreatePrinter,
  err: (s: string) => void,
): Promise<boolean> {
  let ok = true;
  for (const { object, source } of manifests) {
    const [group, version] = object.apiVersion?.includes('/')
      ? object.apiVersion.split('/')
      : ['', object.apiVersion];
    const r = all.find((x) => x.group === group && x.version === version && x.kind === object.kind);
    if (!r) {
      err(
        `error: resource mapping not found for name: "${object.metadata.name ?? ''}" namespace: "${object.metadata.namespace ?? ''}" from "${source}": no matches for kind "${String(object.kind)}" in version "${String(object.apiVersion)}"\nensure CRDs are installed first\n`,
      );
      ok = false;
      continue;
    }
    if (
      r.namespaced &&
      o.explicitNamespace !== undefined &&
      object.metadata.namespace !== undefined &&
      object.metadata.namespace !== o.explicitNamespace
    )
      throw new CliError(
        `the namespace from the provided object "${object.metadata.namespace}" does not match the namespace "${o.explicitNamespace}". You must pass '--namespace=${object.metadata.namespace}' to perform this operation.`,
      );
    const ns = r.namespaced ? (object.metadata.namespace ?? o.namespace) : undefined;
    try {
      await createObject(client, r, ns, object, o.dryRun, o.fieldManager, printer);
    } catch (e) {
      if (!isStatusError(e)) throw e;
      const reason = e.reason ? ` (${e.reason})` : '';
      err(`Error from server${reason}: error when creating "${source}": ${e.message}\n`);
      ok = false;
    }
  }
  return ok;
}
