// The kbox API server's HTTP edge: listens on loopback, routes requests, and turns every failure
// into a metav1.Status. Resource semantics live in the registry; this file only dispatches.
import { chmodSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { StatusError } from '../api/status.js';
import type { KubeObject } from '../api/types.js';
import { serverVersionInfo } from '../api/version.js';
import type { Storage } from '../storage/interface.js';
import { authenticate, isOpenPath, unauthorized } from './authn.js';
import { buildDiscovery, type AggregatedDocument, type Discovery } from './discovery.js';
import { ResourceHandler } from './handlers.js';
import {
  holdUntilSettled,
  unknownPath,
  writeError,
  writeJson,
  writeJsonText,
  writeUpgradeError,
} from './http.js';
import { METRICS_GROUP, METRICS_RESOURCES, ResourceMetrics } from './metrics.js';
import { buildOpenApi, type OpenApi, type OpenApiDocument } from './openapi.js';
import { buildOpenApiV2, type OpenApiV2 } from './openapi-v2.js';
import { aggregatedDiscovery, openApiV2Format } from './negotiate.js';
import { parseResourcePath } from './request.js';
import type { PodStreaming } from './streaming.js';
import { NamespaceLifecycle } from './registry/namespaces.js';
import { serveHealth, type HealthCheck, type HealthEndpoint } from './healthz.js';
import { ResourceStore } from './registry/store.js';
import { SYSTEM_PRIORITY_CLASSES } from './registry/scheduling/priorityclasses/strategy.js';
import type { ServiceNetwork } from './registry/core/services/strategy.js';
import { buildStrategies } from './registry/strategies.js';
import { eventsV1EventToCore } from './registry/core/events/conversion.js';
import {
  generateSigningKey,
  ServiceAccountTokens,
} from './registry/core/serviceaccounts/tokens.js';
import { API_GROUPS, RESOURCE_DEFINITIONS, type ResourceInfo } from './resources.js';

export interface ApiServerOptions {
  storage: Storage;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  clock?: () => Date;
  /** Serve HTTPS with this certificate; client certificates signed by `ca` authenticate. */
  tls?: { cert: string; key: string; ca: string };
  /** Require this bearer token (or a client certificate) on every request but health/version. */
  auth?: { token: string };
  /** The token the API server presents to kubelets when it proxies pods/log. */
  kubeletToken?: string;
  /**
   * Also serve plain HTTP on this Unix socket, for the components inside the daemon (no TLS on a
   * path that never leaves the machine; the socket is made 0600 and the token is still checked).
   */
  socketPath?: string;
  /** Where ClusterIPs and NodePorts come from (default: 10.96.0.0/16, 30000-32767). */
  serviceNetwork?: ServiceNetwork;
  /**
   * The PKCS#8 PEM key service account tokens are signed with (default: a new key, so tokens
   * do not outlive the process).
   */
  serviceAccountKey?: string;
}

/** Which store holds the objects a service account token may name. */
const TOKEN_OBJECTS: Record<string, string> = {
  Pod: '/pods',
  ServiceAccount: '/serviceaccounts',
  Secret: '/secrets',
  Node: '/nodes',
};

/** Namespaces that exist from the start, as in every Kubernetes cluster. */
/** Where kbox kept events.k8s.io Events before they became a view of the core ones. */
const LEGACY_EVENTS_V1_PREFIX = '/events.k8s.io/events/';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export class ApiServer {
  readonly #server: Server;
  /** The private Unix-socket listener, when asked for. */
  readonly #local: Server | undefined;
  readonly #socketPath: string | undefined;
  readonly #host: string;
  readonly #port: number;
  readonly #storage: Storage;
  readonly #clock: () => Date;
  readonly #stores = new Map<string, ResourceStore>();
  readonly #discovery: Discovery;
  readonly #openapi: OpenApi;
  readonly #openapiV2: OpenApiV2;
  readonly #handler: ResourceHandler;
  readonly #metrics: ResourceMetrics;
  /** Loaded on the first upgrade request: WebSocket and SPDY are not needed to start. */
  #streaming: Promise<PodStreaming> | undefined;
  readonly #streamingOptions: ConstructorParameters<typeof PodStreaming>[0];
  readonly #namespaces: NamespaceLifecycle;
  readonly #sockets = new Set<Socket>();
  readonly #tls: boolean;
  readonly #tlsOptions: ApiServerOptions['tls'];
  /** Listeners added by listenAlso. */
  readonly #extra: Server[] = [];
  readonly #token: string | undefined;
  readonly #tokens: ServiceAccountTokens;
  readonly #requireAuth: boolean;
  /** Set once stop() begins: /readyz's shutdown check fails from then on. */
  #stopping = false;
  readonly #health: Record<HealthEndpoint, HealthCheck[]>;

  constructor(opts: ApiServerOptions) {
    this.#host = opts.host ?? '127.0.0.1';
    this.#port = opts.port ?? 0;
    this.#storage = opts.storage;
    this.#clock = opts.clock ?? (() => new Date());
    const strategies = buildStrategies(this.#storage, opts.serviceNetwork);
    const infos: ResourceInfo[] = RESOURCE_DEFINITIONS.map((d) => {
      const strategy = strategies[`${d.group}/${d.resource}`];
      return strategy ? { ...d, strategy } : { ...d };
    });
    for (const info of infos) {
      this.#stores.set(
        `${info.group}/${info.resource}`,
        new ResourceStore(info, this.#storage, this.#clock),
      );
    }
    // metrics.k8s.io is listed last, as an aggregated API server's group is.
    this.#discovery = buildDiscovery(
      [...infos, ...METRICS_RESOURCES],
      [...API_GROUPS, METRICS_GROUP],
    );
    const documented = infos.filter(
      (i) => i.group !== 'authorization.k8s.io' && i.group !== 'authentication.k8s.io',
    );
    this.#openapi = buildOpenApi(documented);
    this.#openapiV2 = buildOpenApiV2(documented);
    const namespaceStore = this.#stores.get('/namespaces');
    if (!namespaceStore) throw new Error('the namespaces resource is missing from the catalog');
    this.#namespaces = new NamespaceLifecycle(
      namespaceStore,
      [...this.#stores.values()],
      this.#storage,
    );
    for (const store of this.#stores.values()) {
      store.admitNamespace = (ns, gr, name) => this.#namespaces.admit(ns, gr, name);
    }
    // Upstream's names: `etcd` is the check that reads the store, whatever backs it here.
    const ping: HealthCheck = { name: 'ping', check: () => undefined };
    const prefix = namespaceStore.prefix();
    const etcd: HealthCheck = { name: 'etcd', check: () => void this.#storage.count(prefix) };
    const shutdown: HealthCheck = {
      name: 'shutdown',
      check: () => {
        if (this.#stopping) throw new Error('server is shutting down');
      },
    };
    this.#health = { healthz: [ping, etcd], livez: [ping, etcd], readyz: [ping, etcd, shutdown] };
    this.#tokens = new ServiceAccountTokens({
      keyPem: opts.serviceAccountKey ?? generateSigningKey(),
      clock: this.#clock,
      lookup: (kind, ns, name) => {
        const store = this.#stores.get(TOKEN_OBJECTS[kind] ?? '');
        return store ? this.#storage.get(store.key(ns, name)) : undefined;
      },
    });
    this.#handler = new ResourceHandler({
      storage: this.#storage,
      tokens: this.#tokens,
      ...(opts.kubeletToken !== undefined ? { kubeletToken: opts.kubeletToken } : {}),
      clock: this.#clock,
      store: (group, resource) => this.#stores.get(`${group}/${resource}`),
    });
    this.#metrics = new ResourceMetrics({
      storage: this.#storage,
      ...(opts.kubeletToken !== undefined ? { kubeletToken: opts.kubeletToken } : {}),
      clock: this.#clock,
      store: (group, resource) => this.#stores.get(`${group}/${resource}`),
    });
    this.#streamingOptions = {
      storage: this.#storage,
      ...(opts.kubeletToken !== undefined ? { kubeletToken: opts.kubeletToken } : {}),
      clock: this.#clock,
      store: (group, resource) => this.#stores.get(`${group}/${resource}`),
    };
    this.#tls = opts.tls !== undefined;
    this.#token = opts.auth?.token;
    this.#requireAuth = opts.auth !== undefined;
    this.#tlsOptions = opts.tls;
    this.#server = this.#makeServer(this.#tls);
    this.#socketPath = opts.socketPath;
    this.#local = opts.socketPath !== undefined ? this.#makeServer(false) : undefined;
  }

  /** An HTTP(S) server on this API server's handler, its sockets tracked for stop(). */
  #makeServer(tls: boolean): Server {
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      this.#handle(req, res).catch((err: unknown) => writeError(res, err));
    };
    const t = this.#tlsOptions;
    const server =
      tls && t
        ? createHttpsServer(
            { cert: t.cert, key: t.key, ca: t.ca, requestCert: true, rejectUnauthorized: false },
            handler,
          )
        : createServer(handler);
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => socket.destroy());
      this.#upgrade(req, socket, head).catch((err: unknown) => writeUpgradeError(socket, err));
    });
    server.on(tls && t ? 'secureConnection' : 'connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    return server;
  }

  /**
   * Serves the same API (same TLS and authentication) on one more address, on the port the main
   * listener got: e.g. the cluster network's gateway, where pods reach the `kubernetes` Service's
   * endpoint. Call after start().
   */
  async listenAlso(host: string): Promise<void> {
    const port = (this.#server.address() as AddressInfo).port;
    const server = this.#makeServer(this.#tls);
    await listen(server, (s, done) => s.listen(port, host, done));
    this.#extra.push(server);
  }

  /** Creates the system namespaces and priority classes, then listens; resolves with the base URL. */
  async start(): Promise<string> {
    for (const name of SYSTEM_NAMESPACES) {
      const store = this.#stores.get('/namespaces');
      if (store && !this.#storage.get(store.key(undefined, name))) {
        store.create(undefined, { metadata: { name } });
      }
    }
    const classes = this.#stores.get('scheduling.k8s.io/priorityclasses');
    for (const pc of SYSTEM_PRIORITY_CLASSES) {
      const name = pc.metadata.name ?? '';
      if (classes && !this.#storage.get(classes.key(undefined, name)))
        classes.create(undefined, pc);
    }
    this.#moveEventsV1ToCore();
    this.#namespaces.start();
    await listen(this.#server, (s, done) => s.listen(this.#port, this.#host, done));
    const local = this.#local;
    const socketPath = this.#socketPath;
    if (local && socketPath !== undefined) {
      // A socket file left by a daemon that was killed would make listen fail with EADDRINUSE;
      // the cluster's lock guarantees no other daemon is using it.
      rmSync(socketPath, { force: true });
      await listen(local, (s, done) => s.listen(socketPath, done));
      chmodSync(socketPath, 0o600);
    }
    return this.url;
  }

  /**
   * kbox once kept events.k8s.io Events under their own keys; they now live among the core
   * Events they are a view of. Moves any left by an older kbox (same uid, a new revision).
   */
  #moveEventsV1ToCore(): void {
    const core = this.#stores.get('/events');
    if (!core) return;
    for (const old of this.#storage.list(LEGACY_EVENTS_V1_PREFIX).items) {
      const key = core.key(old.metadata.namespace, old.metadata.name ?? '');
      if (!this.#storage.get(key)) this.#storage.create(key, eventsV1EventToCore(old));
      this.#storage.delete(
        `${LEGACY_EVENTS_V1_PREFIX}${old.metadata.namespace ?? ''}/${old.metadata.name ?? ''}`,
      );
    }
  }

  get url(): string {
    const addr = this.#server.address() as AddressInfo;
    return `${this.#tls ? 'https' : 'http'}://${addr.address}:${addr.port}`;
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#namespaces.stop();
    if (this.#streaming) (await this.#streaming).close();
    await Promise.all(
      [this.#server, this.#local, ...this.#extra].map(
        (server) =>
          new Promise<void>((resolve) => {
            if (!server?.listening) {
              resolve();
              return;
            }
            server.close(() => resolve());
            for (const s of this.#sockets) s.destroy();
          }),
      ),
    );
    if (this.#socketPath !== undefined) rmSync(this.#socketPath, { force: true });
  }

  /** Upgrade requests: only the streaming pod subresources switch protocols. */
  async #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (this.#requireAuth && authenticate(req, this.#token, this.#tokens) === undefined)
      throw unauthorized();
    const rr = parseResourcePath(path);
    if (!rr) throw unknownPath();
    this.#streaming ??= import('./streaming.js').then(
      ({ PodStreaming }) => new PodStreaming(this.#streamingOptions),
    );
    await (await this.#streaming).upgrade(req, socket, head, rr, url);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const user = this.#requireAuth ? authenticate(req, this.#token, this.#tokens) : undefined;
    if (this.#requireAuth && !isOpenPath(path) && user === undefined) throw unauthorized();
    const rr = parseResourcePath(path);
    if (rr?.group === METRICS_GROUP) {
      await this.#metrics.handle(req, res, rr, url);
      return;
    }
    if (rr) {
      const storage = this.#storage;
      if (storage.settled) holdUntilSettled(res, () => storage.settled?.());
      await this.#handler.handle(req, res, rr, url, user);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      throw StatusError.from(
        405,
        'MethodNotAllowed',
        `${req.method ?? ''} is not supported on ${path}`,
      );
    }
    const parts = path.split('/').filter((p) => p !== '');
    switch (path) {
      case '/version':
        writeJson(
          res,
          200,
          serverVersionInfo(`${process.platform}/${process.arch}`, process.version),
        );
        return;
      case '/healthz':
      case '/livez':
      case '/readyz': {
        const endpoint = path.slice(1) as HealthEndpoint;
        await serveHealth(res, endpoint, this.#health[endpoint], url.searchParams);
        return;
      }
      case '/api':
      case '/apis': {
        const version = aggregatedDiscovery(req.headers.accept);
        if (version !== undefined) {
          serveAggregated(
            req,
            res,
            this.#discovery.aggregated(path === '/api' ? 'api' : 'apis', version),
          );
          return;
        }
        break;
      }
    }
    switch (path) {
      case '/api':
        writeJson(
          res,
          200,
          this.#discovery.apiVersions(
            `${req.socket.localAddress ?? '127.0.0.1'}:${req.socket.localPort ?? 0}`,
          ),
        );
        return;
      case '/apis':
        writeJson(res, 200, this.#discovery.apiGroupList());
        return;
      case '/openapi/v3':
        writeJsonText(res, 200, this.#openapi.root().text);
        return;
      case '/openapi/v2':
        serveOpenApiV2(req, res, this.#openapiV2);
        return;
    }
    const endpoint = parts[0];
    if (
      parts.length === 2 &&
      (endpoint === 'healthz' || endpoint === 'livez' || endpoint === 'readyz') &&
      (await serveHealth(res, endpoint, this.#health[endpoint], url.searchParams, parts[1]))
    ) {
      return;
    }
    if (parts[0] === 'openapi' && parts[1] === 'v3') {
      const gv = parts.slice(2).join('/');
      const doc = this.#openapi.document(gv);
      if (doc === undefined) throw unknownPath();
      serveOpenApiDocument(req, res, url, gv, doc);
      return;
    }
    let doc: unknown;
    if (parts[0] === 'api' && parts.length === 2)
      doc = this.#discovery.resourceList('', parts[1] ?? '');
    else if (parts[0] === 'apis' && parts.length === 2)
      doc = this.#discovery.apiGroup(parts[1] ?? '');
    else if (parts[0] === 'apis' && parts.length === 3)
      doc = this.#discovery.resourceList(parts[1] ?? '', parts[2] ?? '');
    if (doc === undefined) throw unknownPath();
    writeJson(res, 200, doc);
  }

  /** For tests and the daemon: the store of a resource. */
  store(group: string, resource: string): ResourceStore | undefined {
    return this.#stores.get(`${group}/${resource}`);
  }
}

/**
 * An aggregated discovery document as upstream's ServeHTTPWithETag serves it: with its ETag,
 * `Vary: Accept` and `Cache-Control: public`, or 304 when If-None-Match names the ETag.
 */
function serveAggregated(req: IncomingMessage, res: ServerResponse, doc: AggregatedDocument): void {
  res.setHeader('ETag', doc.etag);
  res.setHeader('Vary', 'Accept');
  res.setHeader('Cache-Control', 'public');
  const match = req.headers['if-none-match'];
  if (match !== undefined && match.split(',').some((m) => m.trim() === doc.etag)) {
    res.writeHead(304);
    res.end();
    return;
  }
  writeJsonText(res, 200, doc.text, doc.contentType);
}

/**
 * A group-version document as upstream's handler serves it: an ETag of its hash (so clients
 * revalidate with If-None-Match), cached for a year when asked for by its current hash, and a
 * redirect to the current hash when asked for by an old one.
 */
function serveOpenApiDocument(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  gv: string,
  doc: OpenApiDocument,
): void {
  const etag = `"${doc.hash}"`;
  const asked = url.searchParams.get('hash');
  if (asked !== null && asked !== '' && asked !== doc.hash) {
    res.writeHead(301, { Location: `/openapi/v3/${gv}?hash=${doc.hash}`, 'Content-Length': 0 });
    res.end();
    return;
  }
  res.setHeader('Etag', etag);
  if (asked === doc.hash) {
    res.setHeader('Vary', 'Accept');
    res.setHeader('Cache-Control', 'public, immutable');
    res.setHeader('Expires', new Date(Date.now() + 365 * 86400_000).toUTCString());
  }
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304);
    res.end();
    return;
  }
  writeJsonText(res, 200, doc.text);
}

/**
 * /openapi/v2 as kube-openapi's handler serves it: JSON or gnostic protobuf by Accept (406 for
 * neither), the protobuf labelled with the `.v1.0` media type whichever spelling was asked for,
 * `Vary: Accept`, the ETag of the JSON text on both, Last-Modified, and 304 for If-None-Match.
 */
function serveOpenApiV2(req: IncomingMessage, res: ServerResponse, doc: OpenApiV2): void {
  res.setHeader('Vary', 'Accept');
  const format = openApiV2Format(req.headers.accept);
  if (format === undefined) {
    res.writeHead(406, { 'Content-Length': 0 });
    res.end();
    return;
  }
  const body = format === 'json' ? doc.json() : doc.protobuf();
  res.setHeader(
    'Content-Type',
    format === 'json'
      ? 'application/json'
      : 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf',
  );
  res.setHeader('Etag', doc.etag());
  res.setHeader('Last-Modified', doc.modified().toUTCString());
  const match = req.headers['if-none-match'];
  if (match !== undefined && match.split(',').some((m) => m.trim() === doc.etag())) {
    res.writeHead(304);
    res.end();
    return;
  }
  res.writeHead(200, { 'Content-Length': body.length });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** Starts `server` listening through `how`, rejecting on a listen error (e.g. EADDRINUSE). */
function listen(server: Server, how: (s: Server, done: () => void) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    how(server, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export type { KubeObject };
