// Resource request handling: verbs on collections and objects, subresources, and watch streams.
// Every path ends in a JSON response or a Status error thrown to the HTTP edge.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import {
  badRequest,
  conflict,
  invalid,
  methodNotAllowed,
  notFound,
  notImplemented,
  StatusError,
  type FieldError,
  type Status,
} from '../api/status.js';
import type { KubeObject } from '../api/types.js';
import { StorageError, type Storage, type StoredEvent } from '../storage/interface.js';
import { invalidRendered, invalidValue, notSupported, required } from '../api/validation.js';
import { goQuote } from '../api/labels.js';
import {
  apply,
  FIELD_MANAGER_MAX_LENGTH,
  managerFromUserAgent,
  type Writer,
} from './fieldmanager/manager.js';
import {
  checkApplied,
  checkAppliedDuplicates,
  checkAppliedResult,
  checkBody,
  checkPatched,
  fieldValidationErrors,
  fieldValidationOf,
  goValue,
  Warnings,
  type Kind,
} from './fieldvalidation.js';
import { buildFilter, type ObjectFilter } from './filter.js';
import {
  bookmarkObject,
  INITIAL_EVENTS_END,
  INITIAL_EVENTS_LIST_BLUEPRINT,
  listBlueprint,
} from './bookmarks.js';
import { parseFieldSelector } from '../api/fields.js';
import {
  decodeContinue,
  encodeContinue,
  encodeStart,
  goBool,
  int64Param,
  listOptionsOf,
  parseResourceVersion,
} from './list-options.js';
import { drained, readBody, writeJson, writeJsonPieces, writeJsonText } from './http.js';
import { decodeBody, representation, type Representation } from './negotiate.js';
import { applyPatch, patchTypeOf } from './patch/apply-patch.js';
import type { ResourceRequest } from './request.js';
import { rfc3339 } from '../api/duration.js';
import { type DeleteOptions, type ResourceStore } from './registry/store.js';
import { admitNamespaceDelete } from './registry/namespaces.js';
import {
  SCALE_RESOURCE,
  toObjectTable,
  toTable,
  toWatchEventTable,
  type IncludeObject,
  type ResourceRef,
} from './tables/table.js';
import type { UserInfo } from './authn.js';
import type { ServiceAccountTokens } from './registry/core/serviceaccounts/tokens.js';
import { tokenRequest } from './registry/core/serviceaccounts/token-request.js';

export interface HandlerContext {
  storage: Storage;
  /** The token kubelets require from the API server (pods/log is proxied to them). */
  kubeletToken?: string;
  clock: () => Date;
  store(group: string, resource: string): ResourceStore | undefined;
  /** Signs the tokens serviceaccounts/token hands out. */
  tokens?: ServiceAccountTokens;
}

/** TableOptions.includeObject of a request; absent or empty means Metadata, as upstream. */
function includeObjectOf(q: URLSearchParams): IncludeObject {
  const v = q.get('includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

/** The manager of a write: the fieldManager parameter (validated), else from the User-Agent. */
function writerOf(
  req: IncomingMessage,
  q: URLSearchParams,
  subresource?: Writer['subresource'],
): Writer {
  const param = q.get('fieldManager') ?? '';
  const manager = param !== '' ? param : managerFromUserAgent(req.headers['user-agent']);
  return subresource === undefined ? { manager } : { manager, subresource };
}

/**
 * Characters Go's unicode.IsPrint refuses: all but letters, marks, numbers, punctuation, symbols
 * and the ASCII space.
 */
const NOT_PRINTABLE = /[^\p{L}\p{M}\p{N}\p{P}\p{S} ]/u;

/**
 * ValidateFieldManager: at most 128 bytes, every character printable (one error per character,
 * at its byte offset, as Go ranges over a string).
 */
function fieldManagerErrors(q: URLSearchParams): FieldError[] {
  const manager = q.get('fieldManager');
  if (manager === null || manager === '') return [];
  const errs: FieldError[] = [];
  if (Buffer.byteLength(manager) > FIELD_MANAGER_MAX_LENGTH) {
    errs.push({
      type: 'FieldValueTooLong',
      field: 'fieldManager',
      detail: `Too long: may not be more than ${FIELD_MANAGER_MAX_LENGTH} bytes`,
    });
  }
  if (NOT_PRINTABLE.test(manager)) {
    let offset = 0;
    for (const ch of manager) {
      if (NOT_PRINTABLE.test(ch)) {
        const code = (ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
        errs.push(
          invalidRendered(
            'fieldManager',
            goQuote(manager),
            `invalid character U+${code} (at position ${offset})`,
          ),
        );
      }
      offset += Buffer.byteLength(ch);
    }
  }
  return errs;
}

/** Go's %#v of a []string, as field errors print a dryRun list: `[]string{"a", "b"}`. */
function goStringSlice(values: readonly string[]): string {
  return `[]string{${values.map((v) => JSON.stringify(v)).join(', ')}}`;
}

/** ValidateDryRun: every dryRun value must be `All`. */
function dryRunErrors(values: readonly string[]): FieldError[] {
  if (values.every((v) => v === 'All')) return [];
  return [
    {
      type: 'FieldValueNotSupported',
      field: 'dryRun',
      detail: `Unsupported value: ${goStringSlice(values)}: supported values: "All"`,
    },
  ];
}

/** True when the request asks for a dry run (its dryRun values were validated). */
function isDryRun(q: URLSearchParams): boolean {
  return q.getAll('dryRun').includes('All');
}

/** ValidateCreateOptions / ValidateUpdateOptions: fieldManager, dryRun, fieldValidation (422). */
function checkWriteOptions(q: URLSearchParams, kind: 'CreateOptions' | 'UpdateOptions'): void {
  const errs = [
    ...fieldManagerErrors(q),
    ...dryRunErrors(q.getAll('dryRun')),
    ...fieldValidationErrors(q),
  ];
  if (errs.length > 0) throw invalid(kind, 'meta.k8s.io', '', errs);
}

/**
 * ValidatePatchOptions: force only with apply, a fieldManager required by apply, then
 * fieldManager, dryRun and fieldValidation (422 `PatchOptions.meta.k8s.io "" is invalid`).
 */
function checkPatchOptions(q: URLSearchParams, patchType: string): void {
  const errs: FieldError[] = [];
  if (patchType !== 'apply' && q.has('force')) {
    errs.push({
      type: 'FieldValueForbidden',
      field: 'force',
      detail: 'Forbidden: may not be specified for non-apply patch',
    });
  }
  if (patchType === 'apply' && (q.get('fieldManager') ?? '') === '') {
    errs.push(required('fieldManager', 'is required for apply patch'));
  }
  errs.push(
    ...fieldManagerErrors(q),
    ...dryRunErrors(q.getAll('dryRun')),
    ...fieldValidationErrors(q),
  );
  if (errs.length > 0) throw invalid('PatchOptions', 'meta.k8s.io', '', errs);
}

/** Sends the warnings gathered for a request, as upstream's `Warning: 299 - "..."` headers. */
function sendWarnings(res: ServerResponse, warnings: Warnings): void {
  const headers = warnings.headers();
  if (headers.length > 0) res.setHeader('Warning', headers);
}

/** A request body's text when it is JSON (YAML and protobuf bodies are not scanned for keys). */
function jsonText(raw: Buffer, contentType: string | undefined): string | undefined {
  const type = (contentType ?? 'application/json').split(';')[0]?.trim().toLowerCase() ?? '';
  return type.includes('json') ? raw.toString('utf8') : undefined;
}

/** Subresource bodies decoded into their own kinds (type errors as upstream's decoder words them). */
const SCALE: Kind = { group: 'autoscaling', version: 'v1', kind: 'Scale' };
const EVICTION: Kind = { group: 'policy', version: 'v1', kind: 'Eviction' };
const BINDING: Kind = { group: '', version: 'v1', kind: 'Binding' };

function kindOf(store: ResourceStore): Kind {
  return { group: store.info.group, version: store.info.version, kind: store.info.kind };
}

/** A write body's unknown and duplicate fields, as fieldValidation asks; Warn's warnings returned. */
function checkFields(
  store: ResourceStore,
  body: unknown,
  raw: Buffer,
  req: IncomingMessage,
  q: URLSearchParams,
): Warnings {
  const warnings = new Warnings();
  const json = jsonText(raw, req.headers['content-type']);
  checkBody(kindOf(store), body, fieldValidationOf(q), warnings, json);
  return warnings;
}

/**
 * What pods/binding and pods/eviction answer: their REST Create returns a bare
 * `metav1.Status{Status: Success}` (no details), and the create handler fills in code 201.
 */
const CREATED_SUCCESS = {
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Success',
  code: 201,
} as const;

/** How often a watch that allows bookmarks gets one (the cacher's defaultBookmarkFrequency). */
const BOOKMARK_FREQUENCY_MS = 60_000;

/** Resources whose registry sets ReturnDeletedObject: a delete answers with the object. */
const RETURN_DELETED_OBJECT = new Set([
  '/pods',
  '/serviceaccounts',
  'storage.k8s.io/storageclasses',
]);

/** etcd3's text for a continue token whose revision was compacted. */
const INCONSISTENT_CONTINUE =
  'The provided continue parameter is too old to display a consistent list result. You can ' +
  'start a new list without the continue parameter, or use the continue token in this ' +
  'response to retrieve the remainder of the results. Continuing with the provided token ' +
  'results in an inconsistent list - objects that were created, modified, or deleted between ' +
  'the time the first chunk was returned and now may show up in the list.';

/** The pieces of `head` (a JSON object's text) with `"items":[...]` added, items given as bytes. */
function itemsPieces(head: string, items: readonly Buffer[]): Buffer[] {
  const pieces: Buffer[] = [Buffer.from(`${head.slice(0, -1)},"items":[`)];
  const comma = Buffer.from(',');
  for (const [i, item] of items.entries()) {
    if (i > 0) pieces.push(comma);
    pieces.push(item);
  }
  pieces.push(Buffer.from(']}'));
  return pieces;
}

/**
 * The watch frame of an event sent as stored, encoded once and shared by every watcher that
 * sends it (a hundred watchers of one resource cost one encoding, not a hundred).
 */
const storedFrames = new WeakMap<StoredEvent, Buffer>();

/** An event as it leaves for every watcher of it: one HTTP/1.1 chunk holding one JSON line. */
function storedFrame(ev: StoredEvent): Buffer {
  let frame = storedFrames.get(ev);
  if (frame === undefined) {
    frame = httpChunk(`{"type":"${ev.type}","object":${ev.json}}\n`);
    storedFrames.set(ev, frame);
  }
  return frame;
}

/**
 * The socket of a response, once assigned (after ServerResponse has flushed what it buffered);
 * null if the response closes first.
 */
function assignedSocket(res: ServerResponse): Promise<Socket | null> {
  if (res.socket !== null) return Promise.resolve(res.socket);
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('socket', done);
      res.off('close', done);
      resolve(res.socket);
    };
    res.on('socket', done);
    res.on('close', done);
  });
}

/** `text` framed as one chunk of a chunked HTTP/1.1 body. */
function httpChunk(text: string): Buffer {
  const length = Buffer.byteLength(text);
  const head = `${length.toString(16)}\r\n`;
  const chunk = Buffer.allocUnsafe(head.length + length + 2);
  chunk.write(head, 0, 'latin1');
  chunk.write(text, head.length, 'utf8');
  chunk.write('\r\n', head.length + length, 'latin1');
  return chunk;
}

function partialMetadata(obj: KubeObject): KubeObject {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

export class ResourceHandler {
  readonly #ctx: HandlerContext;

  constructor(ctx: HandlerContext) {
    this.#ctx = ctx;
  }

  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    rr: ResourceRequest,
    url: URL,
    user?: UserInfo,
  ): Promise<void> {
    const store = this.#ctx.store(rr.group, rr.resource);
    if (!store || store.info.version !== rr.version) {
      throw StatusError.from(
        404,
        'NotFound',
        'the server could not find the requested resource',
        {},
      );
    }
    const info = store.info;
    if (info.namespaced === false && rr.namespace !== undefined) {
      throw StatusError.from(
        404,
        'NotFound',
        'the server could not find the requested resource',
        {},
      );
    }
    const q = url.searchParams;
    const method = req.method ?? 'GET';
    const rep = representation(req.headers.accept);
    const ns = rr.namespace;

    if (rr.watch) {
      await this.#watchPath(req, res, store, rr, url, rep);
      return;
    }
    if (rr.subresource !== undefined) {
      await this.#subresource(req, res, store, rr, q, rep);
      return;
    }
    if (rr.name === undefined) {
      switch (method) {
        case 'GET':
          if (goBool(q.get('watch'))) {
            this.#allow(store, 'watch', method);
            await this.#watch(req, res, store, ns, q, rep);
          } else {
            this.#allow(store, 'list', method);
            await this.#list(res, store, ns, q, rep);
          }
          return;
        case 'POST': {
          this.#allow(store, 'create', method);
          const raw = await readBody(req);
          checkWriteOptions(q, 'CreateOptions');
          const body = await decodeBody(raw, req.headers['content-type']);
          if (info.group === 'authorization.k8s.io') {
            writeJson(res, 201, this.#accessReview(store, body));
            return;
          }
          if (info.group === 'authentication.k8s.io') {
            writeJson(res, 201, this.#selfSubjectReview(user));
            return;
          }
          if (info.namespaced && ns === undefined) {
            throw StatusError.from(
              404,
              'NotFound',
              'the server could not find the requested resource',
              {},
            );
          }
          const warnings = checkFields(store, body, raw, req, q);
          const created = store.create(ns, body, {
            dryRun: isDryRun(q),
            writer: writerOf(req, q),
            ownedBody: true,
            warn: (w) => warnings.add(w),
          });
          sendWarnings(res, warnings);
          this.#answer(res, 201, store, created, rep, q);
          return;
        }
        case 'DELETE': {
          this.#allow(store, 'deletecollection', method);
          // Upstream's order: ListOptions (decoded, validated, field labels), then DeleteOptions.
          listOptionsOf(q);
          const filter = this.#filter(store, q);
          const opts = await this.#deleteOptions(req, q);
          // The answer is the list that was deleted, as listed before deleting (upstream's
          // registry Store.DeleteCollection).
          const list = this.#ctx.storage.list(store.prefix(ns));
          const items = list.items
            .map((o) => store.fromStorage(o))
            .filter((o) => filter.matches(o));
          for (const obj of items) {
            try {
              store.delete(obj.metadata.namespace, obj.metadata.name ?? '', opts);
            } catch (err) {
              if (!(err instanceof StatusError && err.reason === 'NotFound')) throw err;
            }
          }
          writeJson(res, 200, {
            kind: `${info.kind}List`,
            apiVersion: store.apiVersion,
            metadata: { resourceVersion: String(list.revision) },
            items,
          });
          return;
        }
        default:
          throw methodNotAllowed(
            `${method} is not supported on resources of kind "${info.resource}"`,
          );
      }
    }

    const name = rr.name;
    switch (method) {
      case 'GET': {
        this.#allow(store, 'get', method);
        writeJson(res, 200, this.#render(store, store.get(ns, name), rep, q));
        return;
      }
      case 'PUT': {
        this.#allow(store, 'update', method);
        const raw = await readBody(req);
        checkWriteOptions(q, 'UpdateOptions');
        const body = await decodeBody(raw, req.headers['content-type']);
        const warnings = checkFields(store, body, raw, req, q);
        const out = store.update(ns, name, () => body, {
          allowCreate: store.allowCreateOnUpdate,
          dryRun: isDryRun(q),
          writer: writerOf(req, q),
          warn: (w) => warnings.add(w),
        });
        sendWarnings(res, warnings);
        this.#answer(res, out.created ? 201 : 200, store, out.object, rep, q);
        return;
      }
      case 'PATCH': {
        this.#allow(store, 'patch', method);
        const warnings = new Warnings();
        const out = await this.#patch(req, store, ns, name, q, undefined, warnings);
        sendWarnings(res, warnings);
        this.#answer(res, out.created ? 201 : 200, store, out.object, rep, q);
        return;
      }
      case 'DELETE': {
        this.#allow(store, 'delete', method);
        const opts = await this.#deleteOptions(req, q);
        if (info.group === '' && info.resource === 'namespaces') admitNamespaceDelete(name);
        const out = store.delete(ns, name, opts);
        // handlers.DeleteResource: 202 when the object was not deleted at once and the client
        // set orphanDependents=false (only then: propagationPolicy never changes the code).
        const code = !out.deleted && opts.orphanDependents === false ? 202 : 200;
        if (out.deleted && !RETURN_DELETED_OBJECT.has(`${info.group}/${info.resource}`)) {
          // registry Store.finalizeDelete: no code, and Kind holds the resource.
          writeJson(res, code, {
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Success',
            details: {
              name,
              ...(info.group !== '' ? { group: info.group } : {}),
              kind: info.resource,
              uid: out.object.metadata.uid,
            },
          });
        } else {
          writeJson(res, code, this.#render(store, out.object, rep, q));
        }
        return;
      }
      default:
        throw methodNotAllowed(
          `${method} is not supported on resources of kind "${info.resource}"`,
        );
    }
  }

  /**
   * The deprecated watch routes (installer.go's WATCH and WATCHLIST actions, GET only): the
   * collection, or one object by name; ListResource with forceWatch, so `watch=false` changes
   * nothing, and a fieldSelector may only name the same object.
   */
  async #watchPath(
    req: IncomingMessage,
    res: ServerResponse,
    store: ResourceStore,
    rr: ResourceRequest,
    url: URL,
    rep: Representation,
  ): Promise<void> {
    const notFound = (): StatusError =>
      StatusError.from(404, 'NotFound', 'the server could not find the requested resource', {});
    // Routes exist for watchable resources only; no subresource is watchable, and a namespaced
    // resource is watched by name only inside its namespace.
    if (!(store.info.verbs as readonly string[]).includes('watch')) throw notFound();
    if (rr.subresource !== undefined) throw notFound();
    if (rr.name !== undefined && store.info.namespaced && rr.namespace === undefined) {
      throw notFound();
    }
    if (req.method !== 'GET') {
      // go-restful matched the path but not the method: the apiserver's serviceErrorHandler.
      throw StatusError.from(
        405,
        'MethodNotAllowed',
        'the server does not allow this method on the requested resource',
        {},
      );
    }
    const q = new URLSearchParams(url.searchParams);
    if (rr.name !== undefined) {
      // ListOptions are decoded and validated, and field labels checked, before the name.
      listOptionsOf(q);
      this.#filter(store, q);
      const fields = parseFieldSelector(q.get('fieldSelector') ?? '');
      if (!fields.isEmpty()) {
        if (fields.requiresExactMatch('metadata.name') !== rr.name) {
          throw badRequest("fieldSelector metadata.name doesn't match requested name");
        }
      } else {
        q.set('fieldSelector', `metadata.name=${rr.name}`);
      }
    }
    await this.#watch(req, res, store, rr.namespace, q, rep);
  }

  #allow(store: ResourceStore, verb: string, method: string): void {
    if (!(store.info.verbs as readonly string[]).includes(verb)) {
      throw methodNotAllowed(
        `the server does not allow this method on the requested resource (${method} ${store.info.resource})`,
      );
    }
  }

  #filter(store: ResourceStore, q: URLSearchParams): ObjectFilter {
    return buildFilter(store.info, q.get('labelSelector') ?? '', q.get('fieldSelector') ?? '');
  }

  /** Answers with an object just written, reusing the JSON the store wrote when it can. */
  #answer(
    res: ServerResponse,
    code: number,
    store: ResourceStore,
    obj: KubeObject,
    rep: Representation,
    q: URLSearchParams,
  ): void {
    const body = this.#render(store, obj, rep, q);
    const text = body === obj ? this.#ctx.storage.storedJson?.(obj) : undefined;
    if (text !== undefined) writeJsonText(res, code, text);
    else writeJson(res, code, body);
  }

  /**
   * `obj` in the representation asked for. `printAs` picks the Table printer when `obj` is not of
   * the store's kind (the scale subresource's Scale).
   */
  #render(
    store: ResourceStore,
    obj: KubeObject,
    rep: Representation,
    q: URLSearchParams,
    printAs: ResourceRef = store.groupResource,
  ): unknown {
    if (rep === 'table') {
      return toObjectTable(printAs, obj, {
        now: this.#ctx.clock(),
        includeObject: includeObjectOf(q),
      });
    }
    if (rep === 'metadata') return partialMetadata(obj);
    return obj;
  }

  async #list(
    res: ServerResponse,
    store: ResourceStore,
    ns: string | undefined,
    q: URLSearchParams,
    rep: Representation,
  ): Promise<void> {
    const opts = listOptionsOf(q);
    const filter = this.#filter(store, q);
    const limit = opts.limit > 0 ? opts.limit : 0;
    const storage = this.#ctx.storage;
    const prefix = store.prefix(ns);
    const rvParam = opts.resourceVersion;
    const match = opts.resourceVersionMatch;
    const token = opts.continue;
    let revision = 0;
    let afterKey: string | undefined;
    let fromKey: string | undefined;
    // Lists that read one revision exactly (Exact, a continue token, or the legacy form: a
    // resourceVersion with a limit and no match) come from etcd in upstream, which words their
    // failures differently from the watch cache's.
    let exact = false;
    if (token !== '') {
      // storage/etcd3 resolveGetListRev: only "" or "0" may go with a continue token.
      if (rvParam !== '' && rvParam !== '0') {
        throw badRequest('specifying resource version is not allowed when using continue');
      }
      const t = decodeContinue(token, prefix);
      revision = t.rv > 0 ? t.rv : 0;
      fromKey = t.start;
      exact = true;
    } else if (rvParam !== '') {
      const rv = parseResourceVersion(rvParam);
      if (match === 'Exact' || (match === '' && limit > 0 && rv > 0)) {
        revision = rv;
        exact = true;
      } else if (rv > storage.currentRevision()) {
        throw StatusError.from(
          504,
          'Timeout',
          `Timeout: Too large resource version: ${rv}, current: ${storage.currentRevision()}`,
          {
            causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
            retryAfterSeconds: 1,
          },
        );
      }
    }
    // Filtering happens after storage paging, so keep reading pages until `limit` matches.
    // Plain JSON lists splice the stored bytes instead of decoding, parsing and re-serialising
    // every object (managedFields make objects twice as large); a selector parses to match.
    const raw = rep === 'object' && !store.converts;
    const items: KubeObject[] = [];
    const texts: Buffer[] = [];
    let lastKey: string | undefined;
    let remaining: number | undefined;
    let listRevision = 0;
    for (;;) {
      const have = raw ? texts.length : items.length;
      let page;
      try {
        page = storage.list(prefix, {
          limit: limit > 0 ? Math.max(limit - have, 1) : 0,
          afterKey,
          fromKey,
          revision,
          raw,
        });
      } catch (err) {
        if (err instanceof StorageError && err.code === 'Compacted') {
          if (token !== '') {
            // etcd3 handleCompactedErrorForPaging: the Status carries a token that continues
            // from the same key at the current revision.
            const status = StatusError.from(410, 'Expired', INCONSISTENT_CONTINUE);
            status.status.metadata = { continue: encodeStart(fromKey ?? prefix, prefix, -1) };
            throw status;
          }
          throw StatusError.from(
            410,
            'Expired',
            exact
              ? 'The resourceVersion for the provided list is too old.'
              : `too old resource version: ${revision} (${storage.compactedRevision()})`,
          );
        }
        if (err instanceof StorageError && err.code === 'FutureRevision') {
          throw StatusError.from(
            504,
            'Timeout',
            `Timeout: Too large resource version: ${revision}, current: ${storage.currentRevision()}`,
          );
        }
        throw err;
      }
      listRevision = page.revision;
      revision = page.revision;
      if (raw) {
        for (const bytes of page.json ?? []) {
          if (filter.empty || filter.matches(JSON.parse(bytes.toString()) as KubeObject)) {
            texts.push(bytes);
          }
        }
      } else {
        for (const stored of page.items) {
          const obj = store.fromStorage(stored);
          if (filter.matches(obj)) items.push(obj);
        }
      }
      lastKey = page.lastKey;
      remaining = page.remaining;
      if (lastKey === undefined || limit === 0 || (raw ? texts.length : items.length) >= limit) {
        break;
      }
      afterKey = lastKey;
      fromKey = undefined;
    }
    const metadata: Record<string, unknown> = { resourceVersion: String(listRevision) };
    if (lastKey !== undefined && limit > 0) {
      metadata.continue = encodeContinue(lastKey, prefix, listRevision);
      if (filter.empty && remaining !== undefined) metadata.remainingItemCount = remaining;
    }
    if (rep === 'table') {
      writeJson(
        res,
        200,
        toTable(store.groupResource, items, {
          now: this.#ctx.clock(),
          includeObject: includeObjectOf(q),
          listMeta: metadata,
        }),
      );
      return;
    }
    if (rep === 'metadata') {
      writeJson(res, 200, {
        kind: 'PartialObjectMetadataList',
        apiVersion: 'meta.k8s.io/v1',
        metadata,
        items: items.map(partialMetadata),
      });
      return;
    }
    // Items are serialised as stored; kind/apiVersion on each item are harmless and upstream-like.
    if (raw) {
      const head = JSON.stringify({
        kind: `${store.info.kind}List`,
        apiVersion: store.apiVersion,
        metadata,
      });
      // Sent in pieces, which sends the head at once: first the writes this list may have seen
      // must be committed (a failed commit answers its Status instead).
      await storage.settled?.();
      await writeJsonPieces(res, 200, itemsPieces(head, texts));
      return;
    }
    writeJson(res, 200, {
      kind: `${store.info.kind}List`,
      apiVersion: store.apiVersion,
      metadata,
      items,
    });
  }

  /**
   * DeleteOptions from the body when there is one, else from the query (upstream reads one or
   * the other), validated as ValidateDeleteOptions does (422 `DeleteOptions.meta.k8s.io "" is
   * invalid: ...`).
   */
  async #deleteOptions(req: IncomingMessage, q: URLSearchParams): Promise<DeleteOptions> {
    const raw = await readBody(req);
    let body: Record<string, unknown>;
    if (raw.length > 0 && raw.toString().trim() !== '') {
      const decoded = await decodeBody(raw, req.headers['content-type']);
      body = (typeof decoded === 'object' && decoded !== null ? decoded : {}) as Record<
        string,
        unknown
      >;
    } else {
      body = {};
      const grace = int64Param(q, 'gracePeriodSeconds');
      if (grace !== undefined) body.gracePeriodSeconds = grace;
      if (q.has('orphanDependents')) body.orphanDependents = goBool(q.get('orphanDependents'));
      if (q.has('propagationPolicy')) body.propagationPolicy = q.get('propagationPolicy');
      if (q.has('dryRun')) body.dryRun = q.getAll('dryRun');
    }
    const opts: DeleteOptions = {};
    const grace = body.gracePeriodSeconds;
    if (grace !== undefined && grace !== null) {
      if (typeof grace !== 'number' || !Number.isInteger(grace)) {
        throw badRequest(`invalid gracePeriodSeconds: ${String(grace)}`);
      }
      // BeforeDelete: a negative grace period means one second.
      opts.gracePeriodSeconds = grace < 0 ? 1 : grace;
    }
    const errs: FieldError[] = [];
    const policy = body.propagationPolicy;
    const orphan = body.orphanDependents;
    const hasPolicy = policy !== undefined && policy !== null;
    if (hasPolicy && orphan !== undefined && orphan !== null) {
      errs.push(
        invalidValue(
          'propagationPolicy',
          policy,
          'orphanDependents and deletionPropagation cannot be both set',
        ),
      );
    }
    if (hasPolicy && policy !== 'Foreground' && policy !== 'Background' && policy !== 'Orphan') {
      errs.push(
        notSupported('propagationPolicy', policy, ['Foreground', 'Background', 'Orphan', 'nil']),
      );
    }
    const dryRun = Array.isArray(body.dryRun) ? (body.dryRun as unknown[]).map(String) : [];
    errs.push(...dryRunErrors(dryRun));
    if (errs.length > 0) throw invalid('DeleteOptions', 'meta.k8s.io', '', errs);
    if (policy === 'Foreground' || policy === 'Background' || policy === 'Orphan') {
      opts.propagationPolicy = policy;
    } else if (typeof orphan === 'boolean') {
      opts.orphanDependents = orphan;
    }
    const pre = body.preconditions as { uid?: string; resourceVersion?: string } | undefined;
    if (pre) opts.preconditions = pre;
    if (dryRun.includes('All')) opts.dryRun = true;
    return opts;
  }

  async #patch(
    req: IncomingMessage,
    store: ResourceStore,
    ns: string | undefined,
    name: string,
    q: URLSearchParams,
    subresource: 'status' | 'ephemeralcontainers' | undefined,
    warnings: Warnings,
  ): Promise<{ object: KubeObject; created: boolean }> {
    const raw = (await readBody(req)).toString('utf8');
    const contentType =
      (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    const dryRun = isDryRun(q);
    const schemaKey = { group: store.info.group, kind: store.info.kind };
    const patchType = patchTypeOf(contentType);
    // PatchOptions are validated before the object is looked up, as upstream does.
    checkPatchOptions(q, patchType);
    if (patchType !== 'apply') {
      const directive = fieldValidationOf(q);
      return store.update(
        ns,
        name,
        (current) => {
          const patched = applyPatch(contentType, current, raw, schemaKey);
          checkPatched(
            kindOf(store),
            patched,
            directive,
            warnings,
            () => (patchType === 'strategic' ? goValue(JSON.parse(raw)) : JSON.stringify(patched)),
            { text: raw, type: patchType },
          );
          return patched;
        },
        {
          dryRun,
          subresource,
          writer: writerOf(req, q, subresource),
          warn: (w) => warnings.add(w),
        },
      );
    }
    const writer = writerOf(req, q, subresource);
    const config = await decodeBody(Buffer.from(raw), 'application/yaml');
    if (typeof config !== 'object' || config === null || Array.isArray(config)) {
      throw badRequest('error decoding patch: an applied configuration must be an object');
    }
    const meta = (config as { metadata?: { managedFields?: unknown } }).metadata;
    if (meta?.managedFields !== undefined) throw badRequest('metadata.managedFields must be nil');
    checkApplied(kindOf(store), config);
    const force = goBool(q.get('force'));
    return store.update(
      ns,
      name,
      (current) => {
        const applied = apply(
          current.metadata.uid === undefined ? undefined : current,
          config as KubeObject,
          writer,
          force,
          store.fieldManagerContext(),
        );
        checkAppliedDuplicates(config, fieldValidationOf(q));
        checkAppliedResult(kindOf(store), config, applied);
        return applied;
      },
      { allowCreate: subresource === undefined, dryRun, subresource, warn: (w) => warnings.add(w) },
    );
  }

  async #subresource(
    req: IncomingMessage,
    res: ServerResponse,
    store: ResourceStore,
    rr: ResourceRequest,
    q: URLSearchParams,
    rep: Representation,
  ): Promise<void> {
    const info = store.info;
    const sub = (info.subresources ?? []).find((s) => s.name === rr.subresource);
    const name = rr.name ?? '';
    const ns = rr.namespace;
    const method = req.method ?? 'GET';
    if (!sub)
      throw StatusError.from(
        404,
        'NotFound',
        'the server could not find the requested resource',
        {},
      );
    switch (sub.name) {
      case 'status':
      case 'ephemeralcontainers': {
        // Both write one part of the object; pods/ephemeralcontainers serves the whole Pod.
        const part = sub.name;
        if (method === 'GET') {
          // The status REST converts to Table through its store, so as the object itself.
          writeJson(res, 200, this.#render(store, store.get(ns, name), rep, q));
        } else if (method === 'PUT') {
          const raw = await readBody(req);
          checkWriteOptions(q, 'UpdateOptions');
          const body = await decodeBody(raw, req.headers['content-type']);
          const warnings = checkFields(store, body, raw, req, q);
          const out = store.update(ns, name, () => body, {
            subresource: part,
            dryRun: isDryRun(q),
            writer: writerOf(req, q, part),
            warn: (w) => warnings.add(w),
          });
          sendWarnings(res, warnings);
          writeJson(res, 200, out.object);
        } else if (method === 'PATCH') {
          const warnings = new Warnings();
          const out = await this.#patch(req, store, ns, name, q, part, warnings);
          sendWarnings(res, warnings);
          writeJson(res, 200, out.object);
        } else {
          throw methodNotAllowed(`${method} is not supported on ${info.resource}/${part}`);
        }
        return;
      }
      case 'scale':
        await this.#scale(req, res, store, ns, name, q, rep);
        return;
      case 'finalize': {
        if (method !== 'PUT')
          throw methodNotAllowed(`${method} is not supported on namespaces/finalize`);
        const body = (await decodeBody(
          await readBody(req),
          req.headers['content-type'],
        )) as KubeObject;
        const out = store.update(ns, name, (current) => ({
          ...current,
          spec: {
            ...((current.spec as object) ?? {}),
            finalizers: (body.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [],
          },
        }));
        writeJson(res, 200, out.object);
        return;
      }
      case 'binding': {
        if (method !== 'POST') throw methodNotAllowed(`${method} is not supported on pods/binding`);
        const raw = await readBody(req);
        checkWriteOptions(q, 'CreateOptions');
        const body = (await decodeBody(raw, req.headers['content-type'])) as {
          metadata?: { name?: string };
          target?: { name?: string };
        };
        checkBody(
          BINDING,
          body,
          'Ignore',
          new Warnings(),
          jsonText(raw, req.headers['content-type']),
        );
        // BindingREST.Create, before anything else: the URL names the pod bound.
        if (body.metadata?.name !== name) {
          throw badRequest('name in URL does not match name in Binding object');
        }
        const node = body.target?.name;
        if (!node) throw badRequest('target.name is required: the node to bind the pod to');
        // Only spec.nodeName changes, so the pod is not revalidated (upstream's assignPod, whose
        // plain errors become a Conflict on pods/binding).
        const binding = { group: '', resource: 'pods/binding' };
        store.guaranteedUpdate(ns, name, (current) => {
          const spec = (current.spec ?? {}) as { nodeName?: string };
          if (current.metadata.deletionTimestamp) {
            throw conflict(
              binding,
              name,
              `pod ${name} is being deleted, cannot be assigned to a host`,
            );
          }
          if (spec.nodeName) {
            throw conflict(
              binding,
              name,
              `pod ${name} is already assigned to node "${spec.nodeName}"`,
            );
          }
          current.spec = { ...spec, nodeName: node };
          current.status = podScheduled(current.status, this.#ctx.clock);
          return current;
        });
        writeJson(res, 201, CREATED_SUCCESS);
        return;
      }
      case 'eviction': {
        if (method !== 'POST')
          throw methodNotAllowed(`${method} is not supported on pods/eviction`);
        const raw = await readBody(req);
        checkWriteOptions(q, 'CreateOptions');
        const body = (await decodeBody(raw, req.headers['content-type'])) as {
          metadata?: { name?: string };
          deleteOptions?: { gracePeriodSeconds?: number };
        };
        checkBody(
          EVICTION,
          body,
          'Ignore',
          new Warnings(),
          jsonText(raw, req.headers['content-type']),
        );
        // EvictionREST.Create: the URL names the pod evicted.
        if (body.metadata?.name !== name) {
          throw badRequest('name in URL does not match name in Eviction object');
        }
        const opts: DeleteOptions = isDryRun(q) ? { dryRun: true } : {};
        if (body.deleteOptions?.gracePeriodSeconds !== undefined) {
          opts.gracePeriodSeconds = body.deleteOptions.gracePeriodSeconds;
        }
        store.delete(ns, name, opts);
        writeJson(res, 201, CREATED_SUCCESS);
        return;
      }
      case 'token': {
        if (method !== 'POST')
          throw methodNotAllowed(`${method} is not supported on serviceaccounts/token`);
        const tokens = this.#ctx.tokens;
        if (!tokens) throw notImplemented('service account tokens are not configured');
        const raw = await readBody(req);
        checkWriteOptions(q, 'CreateOptions');
        const body = await decodeBody(raw, req.headers['content-type']);
        const out = tokenRequest(body, {
          namespace: ns ?? 'default',
          name,
          tokens,
          clock: this.#ctx.clock,
          get: (resource, n) => {
            const s = this.#ctx.store('', resource);
            if (!s) throw notImplemented(`${resource} are not served`);
            return s.get(resource === 'nodes' ? undefined : ns, n);
          },
        });
        writeJson(res, 201, out);
        return;
      }
      case 'log':
        await this.#podLog(req, res, store, ns ?? 'default', name, q);
        return;
      case 'exec':
      case 'attach':
      case 'portforward':
        // Served on upgrade requests only (streaming.ts); a plain request gets upstream's 400.
        store.get(ns, name);
        throw badRequest('Upgrade request required');
      default:
        store.get(ns, name);
        throw notImplemented(`${info.resource}/${sub.name} is not implemented yet by kbox`);
    }
  }

  /** pods/log: validated here, then proxied to the kubelet of the pod's node (as upstream). */
  async #podLog(
    req: IncomingMessage,
    res: ServerResponse,
    store: ResourceStore,
    ns: string,
    name: string,
    q: URLSearchParams,
  ): Promise<void> {
    if (req.method !== 'GET')
      throw methodNotAllowed(`${req.method ?? ''} is not supported on pods/log`);
    const pod = store.get(ns, name);
    const spec = (pod.spec ?? {}) as {
      nodeName?: string;
      containers?: Array<{ name: string }>;
      initContainers?: Array<{ name: string }>;
      ephemeralContainers?: Array<{ name: string }>;
    };
    const names = (spec.containers ?? []).map((c) => c.name);
    const initNames = (spec.initContainers ?? []).map((c) => c.name);
    const ephemeralNames = (spec.ephemeralContainers ?? []).map((c) => c.name);
    let container = q.get('container') ?? '';
    if (container === '') {
      if (names.length !== 1) {
        const init =
          initNames.length > 0 ? ` or one of the init containers: [${initNames.join(' ')}]` : '';
        const ephemeral =
          ephemeralNames.length > 0
            ? ` or one of the ephemeral containers: [${ephemeralNames.join(' ')}]`
            : '';
        throw badRequest(
          `a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]${init}${ephemeral}`,
        );
      }
      container = names[0] ?? '';
    } else if (![...names, ...initNames, ...ephemeralNames].includes(container)) {
      throw badRequest(`container ${container} is not valid for pod ${name}`);
    }
    if (!spec.nodeName) {
      // LogLocation gives no location for a pod not on a node, and the LocationStreamer's null
      // stream is written as 204 No Content (no body, no Content-Type): no log yet, not an error.
      res.writeHead(204);
      res.end();
      return;
    }
    const node = this.#ctx.storage.get(`/core/nodes/${spec.nodeName}`);
    // NodeConnectionInfoGetter gets the Node first: a pod bound to a missing node is its 404.
    if (!node) throw notFound({ group: '', resource: 'nodes' }, spec.nodeName);
    const port = (
      node?.status as { daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } } | undefined
    )?.daemonEndpoints?.kubeletEndpoint?.Port;
    if (!port) {
      throw StatusError.from(
        503,
        'ServiceUnavailable',
        `the kubelet of node ${spec.nodeName} is not reachable for logs`,
      );
    }
    const params = new URLSearchParams();
    for (const k of ['follow', 'previous', 'timestamps', 'tailLines', 'sinceSeconds']) {
      const v = q.get(k);
      if (v !== null) params.set(k, v);
    }
    const sinceTime = q.get('sinceTime');
    if (sinceTime !== null && !params.has('sinceSeconds')) {
      params.set(
        'sinceSeconds',
        String(
          Math.max(0, Math.floor((this.#ctx.clock().getTime() - Date.parse(sinceTime)) / 1000)),
        ),
      );
    }
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    let upstream: Response;
    try {
      upstream = await fetch(
        `http://127.0.0.1:${port}/containerLogs/${encodeURIComponent(ns)}/${encodeURIComponent(name)}/${encodeURIComponent(container)}?${params.toString()}`,
        {
          headers: { authorization: `Bearer ${this.#ctx.kubeletToken ?? ''}` },
          signal: abort.signal,
        },
      );
    } catch (err) {
      throw StatusError.from(
        503,
        'ServiceUnavailable',
        `the kubelet of node ${spec.nodeName} is not reachable for logs: ${(err as Error).message}`,
      );
    }
    if (upstream.status !== 200) throw badRequest(await upstream.text());
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    try {
      for await (const chunk of upstream.body ?? []) {
        if (!res.write(chunk as Uint8Array)) await new Promise((r) => res.once('drain', r));
      }
    } catch {
      // The client went away or the kubelet ended the stream: either way, we are done.
    }
    res.end();
  }

  async #scale(
    req: IncomingMessage,
    res: ServerResponse,
    store: ResourceStore,
    ns: string | undefined,
    name: string,
    q: URLSearchParams,
    rep: Representation,
  ): Promise<void> {
    const toScale = (obj: KubeObject): KubeObject => {
      const spec = (obj.spec ?? {}) as { replicas?: number; selector?: unknown };
      const status = (obj.status ?? {}) as { replicas?: number };
      return {
        kind: 'Scale',
        apiVersion: 'autoscaling/v1',
        metadata: {
          name: obj.metadata.name,
          namespace: obj.metadata.namespace,
          uid: obj.metadata.uid,
          resourceVersion: obj.metadata.resourceVersion,
          creationTimestamp: obj.metadata.creationTimestamp,
        },
        spec: { replicas: spec.replicas ?? 0 },
        status: {
          replicas: status.replicas ?? 0,
          selector: buildFilter(store.info, '', '').selectorString(spec.selector),
        },
      };
    };
    const method = req.method ?? 'GET';
    if (method === 'GET') {
      writeJson(
        res,
        200,
        this.#render(store, toScale(store.get(ns, name)), rep, q, SCALE_RESOURCE),
      );
      return;
    }
    if (method !== 'PUT' && method !== 'PATCH') {
      throw methodNotAllowed(`${method} is not supported on ${store.info.resource}/scale`);
    }
    const raw = (await readBody(req)).toString('utf8');
    const contentType = req.headers['content-type'];
    if (method === 'PUT') checkWriteOptions(q, 'UpdateOptions');
    else checkPatchOptions(q, patchTypeOf(contentType));
    // A PUT body is decoded before the (synchronous) read-modify-write.
    const put = method === 'PUT' ? await decodeBody(Buffer.from(raw), contentType) : undefined;
    if (put !== undefined) {
      checkBody(SCALE, put, 'Ignore', new Warnings(), jsonText(Buffer.from(raw), contentType));
    }
    const out = store.update(
      ns,
      name,
      (current) => {
        const scale = toScale(current);
        const patchType = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
        let next: KubeObject;
        if (method === 'PUT') {
          next = structuredClone(put) as KubeObject;
        } else {
          next = applyPatch(patchType, scale, raw, {
            group: 'autoscaling',
            kind: 'Scale',
          }) as KubeObject;
          const type = patchTypeOf(patchType);
          const shown = () =>
            type === 'strategic' ? goValue(JSON.parse(raw)) : JSON.stringify(next);
          checkPatched(
            SCALE,
            next,
            'Ignore',
            new Warnings(),
            shown,
            type === 'apply' ? undefined : { text: raw, type },
          );
        }
        const replicas = (next.spec as { replicas?: unknown } | undefined)?.replicas;
        if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
          throw StatusError.from(
            422,
            'Invalid',
            `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas ?? null)}: must be greater than or equal to 0`,
          );
        }
        const rv = next.metadata?.resourceVersion;
        return {
          ...current,
          metadata: { ...current.metadata, ...(rv ? { resourceVersion: rv } : {}) },
          spec: { ...((current.spec as object) ?? {}), replicas },
        };
      },
      { dryRun: isDryRun(q), writer: writerOf(req, q, 'scale') },
    );
    writeJson(res, 200, toScale(out.object));
  }

  /** SelfSubjectReview (`kubectl auth whoami`): who the request authenticated as. */
  #selfSubjectReview(user: UserInfo | undefined): unknown {
    const who = user ?? { name: 'system:anonymous', groups: ['system:unauthenticated'] };
    return {
      kind: 'SelfSubjectReview',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { creationTimestamp: rfc3339(this.#ctx.clock()) },
      status: {
        userInfo: {
          username: who.name,
          ...(who.uid !== undefined ? { uid: who.uid } : {}),
          groups: who.groups,
          ...(who.extra && Object.keys(who.extra).length > 0 ? { extra: who.extra } : {}),
        },
      },
    };
  }

  #accessReview(store: ResourceStore, body: unknown): unknown {
    const review = (typeof body === 'object' && body !== null ? body : {}) as Record<
      string,
      unknown
    >;
    const now = rfc3339(this.#ctx.clock());
    if (store.info.kind === 'SelfSubjectRulesReview') {
      return {
        ...review,
        kind: 'SelfSubjectRulesReview',
        apiVersion: 'authorization.k8s.io/v1',
        metadata: { creationTimestamp: now },
        status: {
          resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
          nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
          incomplete: false,
        },
      };
    }
    return {
      ...review,
      kind: 'SelfSubjectAccessReview',
      apiVersion: 'authorization.k8s.io/v1',
      metadata: { creationTimestamp: now },
      status: { allowed: true, reason: 'kbox grants the cluster admin every permission' },
    };
  }

  async #watch(
    req: IncomingMessage,
    res: ServerResponse,
    store: ResourceStore,
    ns: string | undefined,
    q: URLSearchParams,
    asked: Representation,
  ): Promise<void> {
    const storage = this.#ctx.storage;
    const opts = listOptionsOf(q);
    const filter = this.#filter(store, q);
    const rv = parseResourceVersion(opts.resourceVersion);
    // sendInitialEvents is defaulted to true for resourceVersion "" and "0" (WatchList).
    const sendInitial = opts.sendInitialEvents === true;
    const bookmarks = opts.allowWatchBookmarks;
    // A watch list (isListWatchRequest) may not be served as a Table
    // (watchListEndpointRestrictions): the Accept header's next choice is.
    const watchList = sendInitial && bookmarks;
    const rep = watchList && asked === 'table' ? representation(req.headers.accept, false) : asked;
    const timeoutParam = opts.timeoutSeconds ?? 0;
    // Without timeoutSeconds, end the watch after 30-60 min like upstream's min-request-timeout.
    const timeoutMs = timeoutParam > 0 ? timeoutParam * 1000 : (1800 + Math.random() * 1800) * 1000;
    const prefix = store.prefix(ns);

    let initial: KubeObject[] = [];
    let from: number;
    // Without sendInitialEvents (a watch/ route, whose watch parameter is not defaulted), ""
    // and "0" still start with the current state (the watch cache's legacy behaviour).
    if (sendInitial || (opts.sendInitialEvents === undefined && rv === 0)) {
      const list = storage.list(prefix);
      initial = list.items.map((o) => store.fromStorage(o)).filter((o) => filter.matches(o));
      from = list.revision;
    } else if (rv === 0) {
      // sendInitialEvents=false without a resourceVersion: events from now on, nothing before.
      from = storage.currentRevision();
    } else {
      from = rv;
    }

    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-cache, private',
      'Transfer-Encoding': 'chunked',
    });
    // Send the headers now: a client waits for them before it reads events, which may be long.
    res.flushHeaders();
    let columnsSent = false;
    const frame = (type: string, object: KubeObject | Status): Buffer => {
      let body: unknown = object;
      if (rep === 'table' && type !== 'ERROR') {
        body = toWatchEventTable(store.groupResource, object as KubeObject, {
          now: this.#ctx.clock(),
          includeObject: includeObjectOf(q),
          includeColumns: !columnsSent,
        });
        columnsSent = true;
      } else if (rep === 'metadata' && type !== 'ERROR') {
        body = partialMetadata(object as KubeObject);
      }
      return httpChunk(`{"type":"${type}","object":${JSON.stringify(body)}}\n`);
    };
    // Bookmarks are the resource's empty object (bookmarks.ts), transformed like any event.
    const kind = { group: store.info.group, kind: store.info.kind, apiVersion: store.apiVersion };
    const bookmark = (rv: number, initialEnd: boolean): Buffer =>
      frame(
        'BOOKMARK',
        bookmarkObject(
          kind,
          rv,
          initialEnd
            ? {
                [INITIAL_EVENTS_END]: 'true',
                [INITIAL_EVENTS_LIST_BLUEPRINT]: listBlueprint(kind, rep === 'metadata'),
              }
            : undefined,
        ) as KubeObject,
      );

    // The frames go to the socket already framed as HTTP chunks (a stored event's chunk is made
    // once for all its watchers), past ServerResponse's own chunking; res.end() still ends the
    // body with the last chunk. Events of a burst leave in one socket write: the socket is corked
    // at the first event and uncorked on the next tick, which comes once the microtasks that
    // write the rest of the burst (queued events) have run, without waiting for the loop to turn.
    // A response queued behind the connection's previous one (whose 'finish' is still to come)
    // has no socket yet: its headers wait inside ServerResponse until the socket is assigned and
    // flushes them, and the frames must wait for that too.
    let socket = res.socket;
    let corked = false;
    const write = async (chunk: Buffer): Promise<void> => {
      socket ??= await assignedSocket(res);
      const to = socket;
      if (res.writableEnded || res.destroyed || to === null || to.destroyed) return;
      if (!corked) {
        corked = true;
        to.cork();
        process.nextTick(() => {
          corked = false;
          to.uncork();
        });
      }
      if (!to.write(chunk)) await drained(to);
    };

    let watch;
    try {
      watch = storage.watch(prefix, from);
    } catch (err) {
      if (err instanceof StorageError && err.code === 'Compacted') {
        const status = StatusError.from(
          410,
          'Expired',
          `too old resource version: ${from} (${storage.compactedRevision()})`,
        ).status;
        await write(frame('ERROR', status));
        res.end();
        return;
      }
      throw err;
    }

    let lastRv = from;
    const deadline = Date.now() + timeoutMs;
    const timer = setTimeout(() => watch.stop(), timeoutMs);
    timer.unref();
    // The cacher's bookmark timer (cacheWatcher.nextBookmarkTime): every minute, and 2 s before
    // the watch's deadline when that comes first (then no more); none if that moment has come.
    // A bookmark goes out only past what the watcher has already been sent: the revision it
    // started at, and the events of the state it started from.
    const startedAt = Math.max(from, storage.currentRevision());
    let bookmarkTimer: NodeJS.Timeout | undefined;
    const scheduleBookmark = (): void => {
      const now = Date.now();
      const beforeDeadline = deadline - 2_000;
      const last = now + BOOKMARK_FREQUENCY_MS >= beforeDeadline;
      const at = last ? beforeDeadline : now + BOOKMARK_FREQUENCY_MS;
      if (at <= now) return;
      bookmarkTimer = setTimeout(() => {
        if (lastRv > startedAt) void write(bookmark(lastRv, false));
        if (!last) scheduleBookmark();
      }, at - now);
      bookmarkTimer.unref();
    };
    if (bookmarks) scheduleBookmark();
    const onClose = (): void => watch.stop();
    res.on('close', onClose);
    req.on('close', onClose);

    try {
      for (const obj of initial) await write(frame('ADDED', obj));
      if (sendInitial && bookmarks) await write(bookmark(from, true));
      for await (const stored of watch) {
        // Objects are served in this API's shape; only unconverted ones may go out as stored.
        const ev = store.converts ? this.#converted(store, stored) : stored;
        const type = this.#transition(ev, filter);
        lastRv = ev.revision;
        if (type === undefined) continue;
        if (type === ev.type && rep === 'object' && !store.converts) {
          await write(storedFrame(ev));
        } else {
          await write(frame(type, ev.object as KubeObject));
        }
      }
    } finally {
      clearTimeout(timer);
      clearTimeout(bookmarkTimer);
      bookmarkTimer = undefined;
      res.off('close', onClose);
      watch.stop();
      if (!res.writableEnded) res.end();
    }
  }

  #converted(store: ResourceStore, ev: StoredEvent): StoredEvent {
    return {
      ...ev,
      object: store.fromStorage(ev.object as KubeObject),
      ...(ev.prevObject !== undefined
        ? { prevObject: store.fromStorage(ev.prevObject as KubeObject) }
        : {}),
    };
  }

  /** The event a filtered watcher sees: objects entering or leaving the selection become ADDED/DELETED. */
  #transition(ev: StoredEvent, filter: ObjectFilter): StoredEvent['type'] | undefined {
    if (filter.empty) return ev.type;
    const now = filter.matches(ev.object as KubeObject);
    const before = ev.prevObject !== undefined && filter.matches(ev.prevObject as KubeObject);
    if (ev.type === 'ADDED') return now ? 'ADDED' : undefined;
    if (ev.type === 'DELETED') return now || before ? 'DELETED' : undefined;
    if (now && before) return 'MODIFIED';
    if (now) return 'ADDED';
    if (before) return 'DELETED';
    return undefined;
  }
}

/**
 * A bound pod's status with PodScheduled True, as upstream's BindingREST sets it in the same
 * write as spec.nodeName (podutil.UpdatePodCondition: the transition time moves only when the
 * condition's status does).
 */
function podScheduled(status: unknown, clock: () => Date): Record<string, unknown> {
  const s = { ...((status as Record<string, unknown> | undefined) ?? {}) };
  const conditions = Array.isArray(s.conditions)
    ? (s.conditions as Array<Record<string, unknown>>)
    : [];
  const old = conditions.find((c) => c.type === 'PodScheduled');
  const cond: Record<string, unknown> = {
    type: 'PodScheduled',
    status: 'True',
    lastProbeTime: null,
    lastTransitionTime:
      old?.status === 'True' && old.lastTransitionTime !== undefined
        ? old.lastTransitionTime
        : rfc3339(clock()),
  };
  s.conditions = old ? conditions.map((c) => (c === old ? cond : c)) : [...conditions, cond];
  return s;
}
