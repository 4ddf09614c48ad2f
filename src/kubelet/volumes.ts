// Pod volumes (after upstream's volume plugins): each volume becomes a directory under the pod's
// own folder (<podsDir>/<uid>/volumes/<name>) that containers bind-mount, or, for emptyDir with
// medium Memory, a tmpfs Docker volume shared by the pod's containers. configMap, secret,
// downwardAPI and projected volumes are written the way the kubelet's AtomicWriter writes them:
// files in a hidden timestamped directory, a `..data` symlink swapped atomically, and one
// top-level symlink per entry, so a change of the source shows up in running containers at once.
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { memoryBytes } from '../api/quantity.js';
import type { Mount } from './runtime/interface.js';

type Json = Record<string, unknown>;

/** A volume that cannot be set up; the pod waits in ContainerCreating with a FailedMount event. */
export class VolumeError extends Error {
  constructor(
    readonly volume: string,
    message: string,
  ) {
    super(`MountVolume.SetUp failed for volume "${volume}" : ${message}`);
  }
}

export interface VolumeSources {
  configMap(
    namespace: string,
    name: string,
  ): Promise<{ data?: Record<string, string>; binaryData?: Record<string, string> } | undefined>;
  /** The secret's data, base64 as stored. */
  secret(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  /** The PersistentVolume bound to a claim, once it is bound. */
  claimVolume(
    namespace: string,
    claim: string,
  ): Promise<
    | { found: false }
    | { found: true; bound: false }
    | { found: true; bound: true; volume: string; hostPath: string | undefined }
  >;
  /** A Docker tmpfs volume for the pod (emptyDir medium Memory); returns its name. */
  tmpfsVolume(podUid: string, volume: string, sizeBytes: number | undefined): Promise<string>;
  /** A token of the pod's ServiceAccount bound to the pod (serviceaccounts/NAME/token). */
  serviceAccountToken(req: ServiceAccountTokenRequest): Promise<IssuedToken>;
}

export interface ServiceAccountTokenRequest {
  namespace: string;
  serviceAccount: string;
  pod: { name: string; uid: string };
  audiences: string[];
  expirationSeconds: number;
}

export interface IssuedToken {
  token: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

/**
 * Whether a token issued at `issuedAt` should be replaced now: past 80% of its lifetime, or
 * older than 24 hours (upstream kubelet's token manager).
 */
export function tokenNeedsRefresh(issuedAt: number, expiresAt: number, now: number): boolean {
  const ttl = expiresAt - issuedAt;
  return now >= issuedAt + ttl * 0.8 || now >= issuedAt + 86_400_000;
}

/** Where a volume lives once set up. */
export type PreparedVolume =
  { kind: 'dir'; path: string; readOnly: boolean } | { kind: 'docker-volume'; name: string };

interface File {
  data: Buffer;
  mode: number;
}

/** `key="value"` lines, sorted, as the downward API writes labels and annotations. */
function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(m?.[k] ?? '')}`)
    .join('\n');
}

/** The value of a downward API fieldRef for the pod. */
export function podField(pod: Json, fieldPath: string): string {
  const meta = (pod.metadata ?? {}) as {
    name?: string;
    namespace?: string;
    uid?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  const keyed = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (keyed)
    return (keyed[1] === 'labels' ? meta.labels : meta.annotations)?.[keyed[2] ?? ''] ?? '';
  switch (fieldPath) {
    case 'metadata.name':
      return meta.name ?? '';
    case 'metadata.namespace':
      return meta.namespace ?? '';
    case 'metadata.uid':
      return meta.uid ?? '';
    case 'metadata.labels':
      return formatMap(meta.labels);
    case 'metadata.annotations':
      return formatMap(meta.annotations);
    default:
      throw new Error(`unsupported fieldPath "${fieldPath}"`);
  }
}

function safePath(volume: string, p: string): string {
  const n = normalize(p);
  if (p === '' || n.startsWith('..') || n.startsWith('/') || n.split('/').includes('..')) {
    throw new VolumeError(volume, `invalid path "${p}": must be relative and may not contain '..'`);
  }
  return n;
}

type Items = Array<{ key?: string; path?: string; mode?: number }> | undefined;

/** The files a configMap or secret contributes: every key, or just `items`, with their modes. */
function keyFiles(
  volume: string,
  what: string,
  entries: Record<string, Buffer>,
  items: Items,
  defaultMode: number,
): Map<string, File> {
  const out = new Map<string, File>();
  if (!items || items.length === 0) {
    for (const [k, v] of Object.entries(entries)) out.set(k, { data: v, mode: defaultMode });
    return out;
  }
  for (const it of items) {
    const v = entries[it.key ?? ''];
    if (v === undefined) {
      throw new VolumeError(volume, `configuration key "${it.key ?? ''}" not found in ${what}`);
    }
    out.set(safePath(volume, it.path ?? it.key ?? ''), { data: v, mode: it.mode ?? defaultMode });
  }
  return out;
}

/**
 * Writes `files` into `dir` atomically (the AtomicWriter layout). Returns false when the directory
 * already held exactly these files, so unchanged volumes cost a few reads.
 */
export function writeAtomically(dir: string, files: Map<string, File>): boolean {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const hash = createHash('sha256');
  for (const [p, f] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) {
    hash.update(`${p}\0${f.mode}\0`).update(f.data).update('\0');
  }
  const version = `..${hash.digest('hex').slice(0, 16)}`;
  const dataLink = join(dir, '..data');
  let current: string | undefined;
  try {
    current = readlinkSync(dataLink);
  } catch {
    current = undefined;
  }
  if (current === version) return false;
  const target = join(dir, version);
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { mode: 0o755 });
  for (const [p, f] of files) {
    const file = join(target, p);
    mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
    writeFileSync(file, f.data);
    chmodSync(file, f.mode);
  }
  const tmp = join(dir, '..data_tmp');
  rmSync(tmp, { force: true });
  symlinkSync(version, tmp);
  renameSync(tmp, dataLink);
  const top = new Set([...files.keys()].map((p) => p.split('/')[0] ?? p));
  for (const name of top) {
    const link = join(dir, name);
    if (!existsSync(link)) symlinkSync(join('..data', name), link);
  }
  for (const name of readdirSync(dir)) {
    if (name === '..data' || name === version) continue;
    if (name.startsWith('..')) rmSync(join(dir, name), { recursive: true, force: true });
    else if (!top.has(name) && lstatSync(join(dir, name)).isSymbolicLink()) rmSync(join(dir, name));
  }
  return true;
}

/** Sets up and tears down the volumes of the pods on one node, under `podsDir`. */
export class PodVolumes {
  readonly #podsDir: string;

  constructor(podsDir: string) {
    this.#podsDir = podsDir;
  }

  /** Tokens of projected serviceAccountToken sources, by `<pod uid>/<volume>/<path>`. */
  readonly #tokens = new Map<string, IssuedToken & { issuedAt: number }>();

  podDir(uid: string): string {
    return join(this.#podsDir, uid);
  }

  /** Prepares every volume of the pod (idempotent; refreshes projected contents). */
  async setUp(pod: Json, sources: VolumeSources): Promise<Map<string, PreparedVolume>> {
    const meta = (pod.metadata ?? {}) as { uid?: string; namespace?: string };
    const uid = meta.uid ?? '';
    const ns = meta.namespace ?? 'default';
    const spec = (pod.spec ?? {}) as Json;
    const out = new Map<string, PreparedVolume>();
    for (const v of (spec.volumes ?? []) as Json[]) {
      const name = String(v.name);
      const dir = join(this.podDir(uid), 'volumes', name);
      if (v.emptyDir !== undefined) {
        const ed = (v.emptyDir ?? {}) as { medium?: string; sizeLimit?: string };
        if (ed.medium === 'Memory') {
          const size = ed.sizeLimit ? memoryBytes(ed.sizeLimit) : undefined;
          out.set(name, {
            kind: 'docker-volume',
            name: await sources.tmpfsVolume(uid, name, size),
          });
        } else {
          mkdirSync(dir, { recursive: true, mode: 0o777 });
          chmodSync(dir, 0o777);
          out.set(name, { kind: 'dir', path: dir, readOnly: false });
        }
      } else if (v.hostPath) {
        const hp = v.hostPath as { path?: string; type?: string };
        out.set(name, {
          kind: 'dir',
          path: hostPath(name, hp.path ?? '', hp.type ?? ''),
          readOnly: false,
        });
      } else if (v.configMap || v.secret || v.downwardAPI || v.projected) {
        const files = await this.#projectedFiles(name, pod, ns, v, sources);
        if (files === undefined) continue; // optional source missing: nothing to mount
        writeAtomically(dir, files);
        out.set(name, { kind: 'dir', path: dir, readOnly: true });
      } else if (v.persistentVolumeClaim) {
        const pvc = v.persistentVolumeClaim as { claimName?: string; readOnly?: boolean };
        const claim = pvc.claimName ?? '';
        const r = await sources.claimVolume(ns, claim);
        if (!r.found) throw new VolumeError(name, `persistentvolumeclaim "${claim}" not found`);
        if (!r.bound) throw new VolumeError(name, `persistentvolumeclaim "${claim}" is not bound`);
        if (!r.hostPath) {
          throw new VolumeError(
            name,
            `persistentvolume "${r.volume}" has no hostPath; kbox mounts only host-directory volumes`,
          );
        }
        mkdirSync(r.hostPath, { recursive: true, mode: 0o777 });
        out.set(name, { kind: 'dir', path: r.hostPath, readOnly: pvc.readOnly === true });
      } else {
        throw new VolumeError(name, 'unsupported volume type');
      }
    }
    return out;
  }

  async #projectedFiles(
    volume: string,
    pod: Json,
    ns: string,
    v: Json,
    sources: VolumeSources,
  ): Promise<Map<string, File> | undefined> {
    const files = new Map<string, File>();
    const add = (m: Map<string, File>): void => {
      for (const [k, f] of m) files.set(k, f);
    };
    const configMap = async (src: Json, mode: number): Promise<boolean> => {
      const name = String(src.name ?? '');
      const cm = await sources.configMap(ns, name);
      if (!cm) {
        if (src.optional === true) return false;
        throw new VolumeError(volume, `configmap "${name}" not found`);
      }
      const entries: Record<string, Buffer> = {};
      for (const [k, s] of Object.entries(cm.data ?? {})) entries[k] = Buffer.from(s, 'utf8');
      for (const [k, s] of Object.entries(cm.binaryData ?? {}))
        entries[k] = Buffer.from(s, 'base64');
      add(keyFiles(volume, `ConfigMap ${ns}/${name}`, entries, src.items as Items, mode));
      return true;
    };
    const secret = async (src: Json, nameKey: string, mode: number): Promise<boolean> => {
      const name = String(src[nameKey] ?? '');
      const data = await sources.secret(ns, name);
      if (!data) {
        if (src.optional === true) return false;
        throw new VolumeError(volume, `secret "${name}" not found`);
      }
      const entries: Record<string, Buffer> = {};
      for (const [k, s] of Object.entries(data)) entries[k] = Buffer.from(s, 'base64');
      add(keyFiles(volume, `Secret ${ns}/${name}`, entries, src.items as Items, mode));
      return true;
    };
    const downward = (src: Json, mode: number): void => {
      for (const it of (src.items ?? []) as Json[]) {
        const ref = it.fieldRef as { fieldPath?: string } | undefined;
        if (!ref)
          throw new VolumeError(volume, `downward API item "${String(it.path)}" needs a fieldRef`);
        let value: string;
        try {
          value = podField(pod, ref.fieldPath ?? '');
        } catch (err) {
          throw new VolumeError(volume, (err as Error).message);
        }
        files.set(safePath(volume, String(it.path ?? '')), {
          data: Buffer.from(value, 'utf8'),
          mode: typeof it.mode === 'number' ? it.mode : mode,
        });
      }
    };
    const modeOf = (src: Json): number =>
      typeof src.defaultMode === 'number' ? src.defaultMode : 0o644;
    if (v.configMap) {
      const src = v.configMap as Json;
      return (await configMap(src, modeOf(src))) ? files : undefined;
    }
    if (v.secret) {
      const src = v.secret as Json;
      return (await secret(src, 'secretName', modeOf(src))) ? files : undefined;
    }
    if (v.downwardAPI) {
      const src = v.downwardAPI as Json;
      downward(src, modeOf(src));
      return files;
    }
    const projected = v.projected as Json;
    const mode = modeOf(projected);
    for (const s of (projected.sources ?? []) as Json[]) {
      if (s.configMap) await configMap(s.configMap as Json, mode);
      else if (s.secret) await secret(s.secret as Json, 'name', mode);
      else if (s.downwardAPI) downward(s.downwardAPI as Json, mode);
      else if (s.serviceAccountToken) {
        const src = s.serviceAccountToken as Json;
        const path = safePath(volume, String(src.path ?? ''));
        files.set(path, {
          data: Buffer.from(await this.#token(pod, ns, volume, path, src, sources)),
          mode,
        });
      } else {
        throw new VolumeError(
          volume,
          'only configMap, secret, downwardAPI and serviceAccountToken projections are supported by kbox yet',
        );
      }
    }
    return files;
  }

  /** The cached token of a projected source, requested anew when it nears expiry. */
  async #token(
    pod: Json,
    ns: string,
    volume: string,
    path: string,
    src: Json,
    sources: VolumeSources,
  ): Promise<string> {
    const meta = (pod.metadata ?? {}) as { name?: string; uid?: string };
    const spec = (pod.spec ?? {}) as { serviceAccountName?: string };
    const key = `${meta.uid ?? ''}/${volume}/${path}`;
    const cached = this.#tokens.get(key);
    const now = Date.now();
    if (cached && !tokenNeedsRefresh(cached.issuedAt, cached.expiresAt, now)) return cached.token;
    try {
      const issued = await sources.serviceAccountToken({
        namespace: ns,
        serviceAccount: spec.serviceAccountName ?? 'default',
        pod: { name: meta.name ?? '', uid: meta.uid ?? '' },
        audiences: typeof src.audience === 'string' && src.audience !== '' ? [src.audience] : [],
        expirationSeconds: typeof src.expirationSeconds === 'number' ? src.expirationSeconds : 3600,
      });
      this.#tokens.set(key, { ...issued, issuedAt: now });
      return issued.token;
    } catch (err) {
      // A token that still works is kept until a request succeeds.
      if (cached && now < cached.expiresAt) return cached.token;
      throw new VolumeError(volume, `failed to fetch token: ${(err as Error).message}`);
    }
  }

  /** Docker mounts for a container's volumeMounts. */
  mounts(container: Json, volumes: ReadonlyMap<string, PreparedVolume>): Mount[] {
    const out: Mount[] = [];
    for (const vm of (container.volumeMounts ?? []) as Json[]) {
      const name = String(vm.name);
      const v = volumes.get(name);
      if (!v) {
        throw new VolumeError(
          name,
          `volume "${name}" is not defined, or its optional source is missing`,
        );
      }
      const target = String(vm.mountPath);
      const subPath =
        typeof vm.subPath === 'string' && vm.subPath ? safePath(name, vm.subPath) : '';
      if (v.kind === 'docker-volume') {
        if (subPath)
          throw new VolumeError(name, 'subPath on a memory-backed emptyDir is not supported');
        out.push({ type: 'volume', source: v.name, target, readOnly: vm.readOnly === true });
        continue;
      }
      let source = v.path;
      if (subPath) {
        source = join(v.path, subPath);
        if (!existsSync(source)) {
          if (v.readOnly) throw new VolumeError(name, `subPath "${subPath}" does not exist`);
          mkdirSync(source, { recursive: true, mode: 0o777 });
        }
      }
      out.push({ type: 'bind', source, target, readOnly: v.readOnly || vm.readOnly === true });
    }
    return out;
  }

  /** Removes the pod's volume directories (after its containers are gone). */
  tearDown(uid: string): void {
    rmSync(this.podDir(uid), { recursive: true, force: true });
    for (const key of this.#tokens.keys()) if (key.startsWith(`${uid}/`)) this.#tokens.delete(key);
  }

  /** Removes the folders of pods not in `keep` (pods deleted while the daemon was down). */
  tearDownOthers(keep: ReadonlySet<string>): void {
    for (const key of this.#tokens.keys()) {
      if (!keep.has(key.split('/')[0] ?? '')) this.#tokens.delete(key);
    }
    if (!existsSync(this.#podsDir)) return;
    for (const uid of readdirSync(this.#podsDir)) if (!keep.has(uid)) this.tearDown(uid);
  }
}

/** Checks or creates a hostPath as its type asks; returns the path. */
function hostPath(volume: string, path: string, type: string): string {
  if (!path.startsWith('/')) throw new VolumeError(volume, `hostPath "${path}" must be absolute`);
  const stat = (): ReturnType<typeof statSync> | undefined => {
    try {
      return statSync(path);
    } catch {
      return undefined;
    }
  };
  const st = stat();
  switch (type) {
    case '':
      return path;
    case 'DirectoryOrCreate':
      if (!st) mkdirSync(path, { recursive: true, mode: 0o755 });
      else if (!st.isDirectory()) throw new VolumeError(volume, `${path} is not a directory`);
      return path;
    case 'FileOrCreate':
      if (!st) {
        mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
        writeFileSync(path, '', { mode: 0o644 });
      } else if (!st.isFile()) throw new VolumeError(volume, `${path} is not a file`);
      return path;
    case 'Directory':
      if (!st?.isDirectory())
        throw new VolumeError(volume, `hostPath type check failed: ${path} is not a directory`);
      return path;
    case 'File':
      if (!st?.isFile())
        throw new VolumeError(volume, `hostPath type check failed: ${path} is not a file`);
      return path;
    case 'Socket':
      if (!st?.isSocket())
        throw new VolumeError(volume, `hostPath type check failed: ${path} is not a socket`);
      return path;
    default:
      if (!st) throw new VolumeError(volume, `hostPath type check failed: ${path} does not exist`);
      return path;
  }
}
