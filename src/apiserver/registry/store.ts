// The generic registry store (after upstream's registry/generic/registry.Store): one instance per
// resource, turning API verbs into storage calls through a fixed pipeline. Resource-specific
// behaviour comes only from the ResourceInfo and its Strategy.
import { randomUUID } from 'node:crypto';
import {
  alreadyExists,
  badRequest,
  conflict,
  internalError,
  invalid,
  notFound,
  StatusError,
  type FieldError,
} from '../../api/status.js';
import { rfc3339 } from '../../api/duration.js';
import type { KubeObject, ObjectMeta } from '../../api/types.js';
import {
  dns1035Label,
  dns1123Label,
  dns1123Subdomain,
  forbidden,
  invalidValue,
  pathSegmentName,
  required,
  validateAnnotations,
  validateLabels,
} from '../../api/validation.js';
import { StorageError, type Preconditions, type Storage } from '../../storage/interface.js';
import { recordUpdate, type FieldManagerContext, type Writer } from '../fieldmanager/manager.js';
import { groupVersion, type ResourceInfo } from '../resources.js';
import { plainStrategy, type Strategy, type StrategyContext } from './strategy.js';

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  /** The deprecated DeleteOptions.orphanDependents, when given (never with propagationPolicy). */
  orphanDependents?: boolean;
  preconditions?: Preconditions;
  dryRun?: boolean;
}

export interface WriteOptions {
  dryRun?: boolean;
  /**
   * 'status' writes only status (and spec is kept); another name writes what that subresource's
   * strategy (Strategy.partialSubresources) takes; undefined writes everything but status.
   */
  subresource?: 'status' | 'ephemeralcontainers';
  /**
   * Who writes, recorded in metadata.managedFields as an Update. Absent: managedFields are left
   * as the body has them (server-side apply computes its own; internal bookkeeping writes).
   */
  writer?: Writer;
  /**
   * The body is the caller's to give away (freshly decoded from a request and not used after):
   * create builds the object in it instead of in a deep copy.
   */
  ownedBody?: boolean;
  /** Receives the strategy's warnings for a write that passed validation. */
  warn?: (text: string) => void;
}

export interface DeleteResult {
  object: KubeObject;
  /** False when the object only got a deletionTimestamp (finalizers or graceful deletion). */
  deleted: boolean;
}

const GENERATE_NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function randomSuffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++) {
    s += GENERATE_NAME_ALPHABET[Math.floor(Math.random() * GENERATE_NAME_ALPHABET.length)];
  }
  return s;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Everything but metadata and status: what a generation bump compares. */
function specPart(obj: KubeObject): string {
  const rest: Record<string, unknown> = { ...obj };
  delete rest.metadata;
  delete rest.status;
  delete rest.kind;
  delete rest.apiVersion;
  return sortedJson(rest);
}

/** JSON with every object's keys sorted: equal for equal values whatever order keys came in. */
export function sortedJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${sortedJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

export class ResourceStore {
  readonly info: ResourceInfo;
  readonly #storage: Storage;
  readonly #strategy: Strategy;
  readonly #clock: () => Date;
  readonly #hasStatus: boolean;
  /** Checks namespace lifecycle on create (set by the API server). */
  admitNamespace: (
    namespace: string,
    gr: { group: string; resource: string },
    name: string,
  ) => void = () => {};

  constructor(info: ResourceInfo, storage: Storage, clock: () => Date) {
    this.info = info;
    this.#storage = storage;
    this.#strategy = info.strategy ?? plainStrategy;
    this.#clock = clock;
    this.#hasStatus = (info.subresources ?? []).some((s) => s.name === 'status');
  }

  get groupResource(): { group: string; resource: string } {
    return { group: this.info.group, resource: this.info.resource };
  }

  get apiVersion(): string {
    return groupVersion(this.info);
  }

  /** The storage key of one object. */
  key(namespace: string | undefined, name: string): string {
    return this.info.namespaced ? `${this.prefix(namespace)}${name}` : `${this.prefix()}${name}`;
  }

  /**
   * The storage prefix of a collection (all namespaces when namespace is undefined); that of
   * the resource whose storage this one shares, if any.
   */
  prefix(namespace?: string): string {
    const { group, resource } = this.info.storedAs ?? this.info;
    const base = `/${group === '' ? 'core' : group}/${resource}/`;
    return this.info.namespaced && namespace !== undefined ? `${base}${namespace}/` : base;
  }

  /** PUT of a missing object creates it. */
  get allowCreateOnUpdate(): boolean {
    return this.#strategy.allowCreateOnUpdate === true;
  }

  /** True when stored objects have another shape than this API's (see fromStorage). */
  get converts(): boolean {
    return this.#strategy.conversion !== undefined;
  }

  /** A stored object in this API's shape (a copy when converted, else the object itself). */
  fromStorage(obj: KubeObject): KubeObject {
    return this.#strategy.conversion?.fromStorage(obj) ?? obj;
  }

  #toStorage(obj: KubeObject): KubeObject {
    return this.#strategy.conversion?.toStorage(obj) ?? obj;
  }

  #ctx(): StrategyContext {
    return { now: this.#clock() };
  }

  /** What field management needs to know about this resource, now. */
  fieldManagerContext(): FieldManagerContext {
    return {
      schemaKey: { group: this.info.group, kind: this.info.kind },
      apiVersion: this.apiVersion,
      hasStatus: this.#hasStatus,
      now: rfc3339(this.#clock()),
    };
  }

  /** Stamps kind/apiVersion, which storage keeps but clients may have omitted. */
  #typed(obj: KubeObject): KubeObject {
    obj.apiVersion = this.apiVersion;
    obj.kind = this.info.kind;
    return obj;
  }

  get(namespace: string | undefined, name: string): KubeObject {
    const obj = this.#storage.get(this.key(namespace, name));
    if (!obj) throw notFound(this.groupResource, name);
    return this.fromStorage(obj);
  }

  #validateMeta(obj: KubeObject): FieldError[] {
    const errs: FieldError[] = [];
    const meta = obj.metadata;
    const name = meta.name ?? '';
    const check =
      this.info.nameFormat === 'label'
        ? dns1123Label
        : this.info.nameFormat === 'label1035'
          ? dns1035Label
          : this.info.nameFormat === 'path'
            ? pathSegmentName
            : dns1123Subdomain;
    const generateName = meta.generateName;
    if (typeof generateName === 'string' && generateName !== '') {
      // A prefix may end in '-' (upstream's maskTrailingDash).
      const masked =
        generateName.length > 1 && generateName.endsWith('-')
          ? `${generateName.slice(0, -2)}a`
          : generateName;
      for (const e of check(masked)) {
        errs.push(invalidValue('metadata.generateName', generateName, e));
      }
    }
    if (name === '') {
      errs.push(required('metadata.name', 'name or generateName is required'));
    } else {
      for (const e of check(name)) errs.push(invalidValue('metadata.name', name, e));
    }
    if (this.info.namespaced) {
      if (!meta.namespace) errs.push(required('metadata.namespace'));
    } else if (meta.namespace) {
      errs.push(forbidden('metadata.namespace', 'not allowed on this type'));
    }
    errs.push(...validateLabels(meta.labels, 'metadata.labels'));
    errs.push(...validateAnnotations(meta.annotations, 'metadata.annotations'));
    if (meta.finalizers !== undefined && !Array.isArray(meta.finalizers)) {
      errs.push(invalidValue('metadata.finalizers', meta.finalizers, 'must be a list of strings'));
    }
    return errs;
  }

  #check(obj: KubeObject, errs: FieldError[]): void {
    if (errs.length > 0) {
      throw invalid(this.info.kind, this.info.group, obj.metadata.name ?? '', errs);
    }
  }

  /** Builds the object as it would be stored on create; throws Invalid/BadRequest. */
  prepareCreate(
    namespace: string | undefined,
    body: unknown,
    writer?: Writer,
    ownedBody = false,
  ): KubeObject {
    if (!isRecord(body)) throw badRequest('the request body must be a JSON or YAML object');
    const obj = (ownedBody ? body : structuredClone(body)) as KubeObject;
    if (!isRecord(obj.metadata)) obj.metadata = {};
    const meta = obj.metadata;
    this.#checkTypeMeta(obj);
    if (this.info.namespaced) {
      if (meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== namespace) {
        throw badRequest(
          'the namespace of the provided object does not match the namespace sent on the request',
        );
      }
      if (namespace !== undefined) meta.namespace = namespace;
    } else {
      delete meta.namespace;
    }
    if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${randomSuffix()}`;
    const now = this.#clock();
    meta.uid = randomUUID();
    meta.creationTimestamp = rfc3339(now);
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    if (this.info.generation) meta.generation = 1;
    else delete meta.generation;
    this.#typed(obj);
    this.#strategy.defaults?.(obj);
    // Fields are owned as the client sent them (defaulted), before the server fills in its own.
    if (writer) recordUpdate(undefined, obj, writer, this.fieldManagerContext());
    const prepared = this.#strategy.prepareForCreate?.(obj, this.#ctx()) ?? [];
    this.#check(obj, [
      ...this.#validateMeta(obj),
      ...prepared,
      ...(this.#strategy.validate?.(obj) ?? []),
      ...(this.#strategy.validateCreate?.(obj) ?? []),
    ]);
    return obj;
  }

  #checkTypeMeta(obj: KubeObject): void {
    if (obj.kind !== undefined && obj.kind !== '' && obj.kind !== this.info.kind) {
      throw badRequest(
        `${String(obj.kind)} in version "${this.info.version}" cannot be handled as a ${this.info.kind}: the kind in the body does not match the resource in the URL`,
      );
    }
    if (
      obj.apiVersion !== undefined &&
      obj.apiVersion !== '' &&
      obj.apiVersion !== this.apiVersion
    ) {
      throw badRequest(
        `the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${this.apiVersion})`,
      );
    }
  }

  create(namespace: string | undefined, body: unknown, opts: WriteOptions = {}): KubeObject {
    const obj = this.prepareCreate(namespace, body, opts.writer, opts.ownedBody);
    this.#warn(opts, this.#strategy.warningsOnCreate?.(obj));
    const name = obj.metadata.name ?? '';
    if (this.info.namespaced && namespace !== undefined)
      this.admitNamespace(namespace, this.groupResource, name);
    const key = this.key(namespace, name);
    if (opts.dryRun) {
      if (this.#storage.get(key)) throw alreadyExists(this.groupResource, name);
      return obj;
    }
    try {
      return this.fromStorage(this.#storage.create(key, this.#toStorage(obj)));
    } catch (err) {
      throw this.#storageError(err, name);
    }
  }

  #storageError(err: unknown, name: string): unknown {
    if (!(err instanceof StorageError)) return err;
    switch (err.code) {
      case 'KeyExists':
        return alreadyExists(this.groupResource, name);
      case 'KeyNotFound':
        return notFound(this.groupResource, name);
      case 'Conflict':
        return conflict(this.groupResource, name, err.message);
      case 'Compacted':
        return StatusError.from(410, 'Expired', err.message);
      case 'FutureRevision':
        return StatusError.from(
          504,
          'Timeout',
          `Timeout: Too large resource version: ${err.message}`,
        );
      case 'Full':
      case 'Corrupt':
        return internalError(err.message);
    }
  }

  /**
   * Replaces an object (PUT semantics; also the last step of PATCH). `mutate` receives the
   * current object and returns the desired one. metadata.resourceVersion in the result, when
   * set, is a precondition. Returns the stored object and whether it was created.
   */
  update(
    namespace: string | undefined,
    name: string,
    mutate: (current: KubeObject) => unknown,
    opts: WriteOptions & { allowCreate?: boolean } = {},
  ): { object: KubeObject; created: boolean } {
    const key = this.key(namespace, name);
    let created = false;
    let result: KubeObject | undefined;
    const apply = (current: KubeObject | undefined): KubeObject | undefined => {
      if (current === undefined) {
        if (!opts.allowCreate) throw notFound(this.groupResource, name);
        const body = mutate({ metadata: {} });
        if (isRecord(body) && isRecord(body.metadata) && body.metadata.resourceVersion) {
          throw notFound(this.groupResource, name);
        }
        const obj = this.prepareCreate(namespace, body, opts.writer);
        if (obj.metadata.name !== name) {
          throw badRequest('the name of the object does not match the name on the URL');
        }
        this.#warn(opts, this.#strategy.warningsOnCreate?.(obj));
        if (this.info.namespaced && namespace !== undefined)
          this.admitNamespace(namespace, this.groupResource, name);
        created = true;
        result = obj;
        return opts.dryRun ? undefined : this.#toStorage(obj);
      }
      const old = this.fromStorage(current);
      const body = mutate(structuredClone(old));
      const next = this.#prepareUpdate(namespace, name, body, old, opts);
      result = next;
      return opts.dryRun ? undefined : this.#toStorage(next);
    };
    try {
      if (opts.dryRun) {
        apply(this.#storage.get(key));
        return { object: result ?? this.get(namespace, name), created };
      }
      const out = this.#storage.update(key, apply);
      const object = out.object ? this.fromStorage(out.object) : result;
      if (!object) throw notFound(this.groupResource, name);
      if (!created) this.#maybeFinishDeletion(key, object);
      return { object, created };
    } catch (err) {
      throw this.#storageError(err, name);
    }
  }

  /**
   * Upstream's GuaranteedUpdate without the strategy, for subresources whose handler owns the
   * whole change and checks it itself (pods/binding, as upstream's BindingREST does): `mutate`
   * gets a private copy of the stored object and returns it changed; nothing is revalidated.
   */
  guaranteedUpdate(
    namespace: string | undefined,
    name: string,
    mutate: (current: KubeObject) => KubeObject,
  ): KubeObject {
    try {
      const out = this.#storage.update(this.key(namespace, name), (current) => {
        if (current === undefined) throw notFound(this.groupResource, name);
        return this.#toStorage(mutate(this.fromStorage(current)));
      });
      if (!out.object) throw notFound(this.groupResource, name);
      return this.fromStorage(out.object);
    } catch (err) {
      throw this.#storageError(err, name);
    }
  }

  #prepareUpdate(
    namespace: string | undefined,
    name: string,
    body: unknown,
    current: KubeObject,
    opts: WriteOptions,
  ): KubeObject {
    if (!isRecord(body)) throw badRequest('the request body must be a JSON or YAML object');
    const obj = structuredClone(body) as KubeObject;
    if (!isRecord(obj.metadata)) obj.metadata = {};
    this.#checkTypeMeta(obj);
    const meta = obj.metadata;
    const old = current.metadata;
    if (meta.name !== undefined && meta.name !== name) {
      throw badRequest(
        `the name of the object (${meta.name}) does not match the name on the URL (${name})`,
      );
    }
    if (this.info.namespaced && meta.namespace && meta.namespace !== namespace) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    if (meta.resourceVersion && meta.resourceVersion !== old.resourceVersion) {
      throw conflict(
        this.groupResource,
        name,
        'the object has been modified; please apply your changes to the latest version and try again',
      );
    }
    if (meta.uid && meta.uid !== old.uid) {
      throw conflict(
        this.groupResource,
        name,
        `Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${old.uid ?? ''}`,
      );
    }
    // System-owned metadata always comes from the stored object.
    const kept: ObjectMeta = {
      ...meta,
      name,
      uid: old.uid,
      creationTimestamp: old.creationTimestamp,
      resourceVersion: old.resourceVersion,
    };
    if (this.info.namespaced) kept.namespace = old.namespace;
    else delete kept.namespace;
    if (old.deletionTimestamp) {
      kept.deletionTimestamp = old.deletionTimestamp;
      if (old.deletionGracePeriodSeconds !== undefined) {
        kept.deletionGracePeriodSeconds = old.deletionGracePeriodSeconds;
      }
    } else {
      delete kept.deletionTimestamp;
      delete kept.deletionGracePeriodSeconds;
    }
    if (old.generation !== undefined) kept.generation = old.generation;
    else delete kept.generation;
    obj.metadata = kept;
    this.#typed(obj);

    if (opts.subresource === 'status') {
      // A status write changes status only (plus nothing in spec), like upstream's status strategies.
      const merged: KubeObject = { ...structuredClone(current), status: obj.status };
      if (obj.status === undefined) delete merged.status;
      merged.metadata = { ...structuredClone(old) };
      // Upstream defaults the decoded body of a status write too (e.g. a Node's allocatable).
      this.#strategy.defaults?.(merged);
      if (opts.writer) recordUpdate(current, merged, opts.writer, this.fieldManagerContext());
      const status = this.#strategy.status;
      status?.prepareForUpdate?.(merged, current, this.#ctx());
      this.#check(merged, status?.validateUpdate?.(merged, current) ?? []);
      return merged;
    }
    if (opts.subresource !== undefined) {
      const partial = this.#strategy.partialSubresources?.[opts.subresource];
      if (!partial)
        throw internalError(`no strategy for ${this.info.resource}/${opts.subresource}`);
      this.#strategy.defaults?.(obj);
      const merged = partial.prepareForUpdate(obj, structuredClone(current));
      merged.metadata = { ...structuredClone(old) };
      if (opts.writer) recordUpdate(current, merged, opts.writer, this.fieldManagerContext());
      this.#check(merged, partial.validateUpdate(merged, current));
      return merged;
    }
    if (this.#hasStatus) {
      if (current.status === undefined) delete obj.status;
      else obj.status = structuredClone(current.status);
    }
    this.#strategy.defaults?.(obj);
    if (opts.writer) recordUpdate(current, obj, opts.writer, this.fieldManagerContext());
    else if (obj.metadata.managedFields === undefined && old.managedFields !== undefined) {
      obj.metadata.managedFields = structuredClone(old.managedFields);
    }
    const prepared = this.#strategy.prepareForUpdate?.(obj, current, this.#ctx()) ?? [];
    if (this.info.generation && specPart(obj) !== specPart(current)) {
      obj.metadata.generation = (old.generation ?? 0) + 1;
    }
    if (
      old.deletionTimestamp &&
      (meta.finalizers ?? []).some((f) => !(old.finalizers ?? []).includes(f))
    ) {
      throw invalid(this.info.kind, this.info.group, name, [
        forbidden(
          'metadata.finalizers',
          'no new finalizers can be added if the object is being deleted',
        ),
      ]);
    }
    this.#check(obj, [
      ...this.#validateMeta(obj),
      ...prepared,
      ...(this.#strategy.validate?.(obj) ?? []),
      ...(this.#strategy.validateUpdate?.(obj, current) ?? []),
    ]);
    this.#warn(opts, this.#strategy.warningsOnUpdate?.(obj, current));
    return obj;
  }

  #warn(opts: WriteOptions, warnings: readonly string[] | undefined): void {
    for (const w of warnings ?? []) opts.warn?.(w);
  }

  /** An object being deleted goes away once its last finalizer is removed (and no grace remains). */
  #maybeFinishDeletion(key: string, object: KubeObject): void {
    const meta = object.metadata;
    if (!meta.deletionTimestamp) return;
    if ((meta.finalizers ?? []).length > 0) return;
    if ((meta.deletionGracePeriodSeconds ?? 0) > 0) return;
    try {
      this.#storage.delete(key, { uid: meta.uid ?? '' });
    } catch (err) {
      if (!(err instanceof StorageError && err.code === 'KeyNotFound')) throw err;
    }
  }

  /** Grace period for this deletion: pods use their own, everything else deletes at once. */
  #gracePeriod(obj: KubeObject, opts: DeleteOptions): number {
    if (this.info.group !== '' || this.info.resource !== 'pods') return 0;
    const spec = (isRecord(obj.spec) ? obj.spec : {}) as {
      nodeName?: string;
      terminationGracePeriodSeconds?: number;
    };
    const status = (isRecord(obj.status) ? obj.status : {}) as { phase?: string };
    // Unbound or finished pods have nothing to stop: they go immediately, as upstream does.
    if (!spec.nodeName || status.phase === 'Succeeded' || status.phase === 'Failed') return 0;
    const grace = opts.gracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30;
    return Math.max(0, grace);
  }

  /**
   * The finalizers an object keeps when deleted (registry deletionFinalizersForGarbageCollection):
   * `orphan` and `foregroundDeletion` removed, then added back as orphanDependents, else
   * propagationPolicy, else the one already there asks. orphanDependents set either way means
   * neither foreground nor orphan (shouldDeleteDependents). Events support no garbage collection:
   * their finalizers stay as they are.
   */
  #deletionFinalizers(existing: readonly string[], opts: DeleteOptions): string[] {
    if (this.info.resource === 'events') return [...existing];
    const policy = opts.propagationPolicy;
    const already = existing.find((f) => f === 'orphan' || f === 'foregroundDeletion');
    let orphan: boolean;
    let foreground: boolean;
    if (opts.orphanDependents !== undefined) {
      orphan = opts.orphanDependents;
      foreground = false;
    } else if (policy !== undefined) {
      orphan = policy === 'Orphan';
      foreground = policy === 'Foreground';
    } else {
      orphan = already === 'orphan';
      foreground = already === 'foregroundDeletion';
    }
    const out = existing.filter((f) => f !== 'orphan' && f !== 'foregroundDeletion');
    if (orphan) out.push('orphan');
    if (foreground) out.push('foregroundDeletion');
    return out;
  }

  delete(namespace: string | undefined, name: string, opts: DeleteOptions = {}): DeleteResult {
    const key = this.key(namespace, name);
    const current = this.#storage.get(key);
    if (!current) throw notFound(this.groupResource, name);
    // rest.BeforeDelete's early check, which names the kind where other conflicts name the
    // resource: `Operation cannot be fulfilled on Pod "x": the UID in the precondition ...`.
    const pre = opts.preconditions ?? {};
    const kindResource = { group: this.info.group, resource: this.info.kind };
    if (typeof pre.uid === 'string' && pre.uid !== current.metadata.uid) {
      throw conflict(
        kindResource,
        name,
        `the UID in the precondition (${pre.uid}) does not match the UID in record (${current.metadata.uid ?? ''}). The object might have been deleted and then recreated`,
      );
    }
    if (
      typeof pre.resourceVersion === 'string' &&
      pre.resourceVersion !== current.metadata.resourceVersion
    ) {
      throw conflict(
        kindResource,
        name,
        `the ResourceVersion in the precondition (${pre.resourceVersion}) does not match the ResourceVersion in record (${current.metadata.resourceVersion ?? ''}). The object might have been modified`,
      );
    }
    this.#strategy.validateDelete?.(this.fromStorage(current));
    // rest.BeforeDelete: a graceful deletion already under way (pods) is only ever shortened;
    // otherwise it is pending, and the object is answered unchanged (finalizers included).
    const pending = current.metadata.deletionGracePeriodSeconds ?? 0;
    if (
      this.info.group === '' &&
      this.info.resource === 'pods' &&
      current.metadata.deletionTimestamp &&
      pending > 0 &&
      (opts.gracePeriodSeconds === undefined || opts.gracePeriodSeconds >= pending)
    ) {
      return { object: this.fromStorage(current), deleted: false };
    }
    const grace = this.#gracePeriod(current, opts);
    const finalizers = new Set(this.#deletionFinalizers(current.metadata.finalizers ?? [], opts));
    const graceful = grace > 0 || finalizers.size > 0 || this.info.resource === 'namespaces';
    if (!graceful) {
      if (opts.dryRun) return { object: this.fromStorage(current), deleted: true };
      try {
        return {
          object: this.fromStorage(this.#storage.delete(key, { uid: current.metadata.uid ?? '' })),
          deleted: true,
        };
      } catch (err) {
        throw this.#storageError(err, name);
      }
    }
    const now = this.#clock();
    let result: KubeObject | undefined;
    const mark = (obj: KubeObject | undefined): KubeObject | undefined => {
      if (!obj) throw notFound(this.groupResource, name);
      const meta = obj.metadata;
      const deadline = new Date(now.getTime() + grace * 1000);
      if (!meta.deletionTimestamp) {
        meta.deletionTimestamp = rfc3339(deadline);
        meta.deletionGracePeriodSeconds = grace;
      } else if (grace < (meta.deletionGracePeriodSeconds ?? 0)) {
        // A shorter grace period may shorten an ongoing graceful deletion, never lengthen it;
        // the deadline moves by the difference (rest.BeforeDelete), not to now + grace.
        const old = meta.deletionGracePeriodSeconds ?? 0;
        const at = Date.parse(meta.deletionTimestamp);
        meta.deletionTimestamp = rfc3339(
          Number.isNaN(at) ? deadline : new Date(at - old * 1000 + grace * 1000),
        );
        meta.deletionGracePeriodSeconds = grace;
      }
      if (finalizers.size > 0) meta.finalizers = [...finalizers];
      else delete meta.finalizers;
      if (this.info.resource === 'namespaces' && this.info.group === '') {
        obj.status = { ...(isRecord(obj.status) ? obj.status : {}), phase: 'Terminating' };
      }
      if (meta.generation !== undefined && this.info.generation) meta.generation += 1;
      result = obj;
      return opts.dryRun ? undefined : obj;
    };
    try {
      const out = this.#storage.update(key, mark);
      return { object: this.fromStorage(out.object ?? result ?? current), deleted: false };
    } catch (err) {
      throw this.#storageError(err, name);
    }
  }

  /** Deletes immediately, whatever the grace period (the kubelet's confirmation for pods). */
  forceDelete(namespace: string | undefined, name: string): KubeObject {
    try {
      return this.fromStorage(this.#storage.delete(this.key(namespace, name)));
    } catch (err) {
      throw this.#storageError(err, name);
    }
  }
}
