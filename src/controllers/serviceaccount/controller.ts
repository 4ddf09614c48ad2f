// Two namespace-driven controllers of upstream's kube-controller-manager that give every
// namespace what in-cluster clients expect there:
// - ServiceAccountsController (pkg/controller/serviceaccount): a `default` ServiceAccount,
//   recreated when deleted;
// - the root CA publisher (pkg/controller/certificates/rootcacertpublisher): the ConfigMap
//   `kube-root-ca.crt` holding the cluster CA under `ca.crt`, put back when edited or deleted.
// Both sync one namespace per key and skip namespaces that are terminating.
import { isStatusError } from '../../api/status.js';
import type { KubeObject } from '../../api/types.js';
import type { Informer } from '../../client/informer.js';
import { CORE, type KubeClient } from '../../client/rest.js';
import { runWorkers, WorkQueue } from '../../client/workqueue.js';
import type { Log } from '../common.js';

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
export const ROOT_CA_DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. ' +
  'No other usage is guaranteed across distributions of Kubernetes clusters.';
const DESCRIPTION_ANNOTATION = 'kubernetes.io/description';

/** A controller whose key is a namespace name, requeued when one of its objects changes. */
abstract class NamespaceController {
  protected readonly queue = new WorkQueue();
  #workers: Promise<void> | undefined;

  constructor(
    protected readonly client: KubeClient,
    protected readonly namespaces: Informer,
    objects: Informer,
    protected readonly log: Log,
    private readonly objectName: string,
  ) {
    const enqueueNs = (ns: Readonly<KubeObject>): void => this.queue.add(ns.metadata.name ?? '');
    namespaces.addHandlers({ add: enqueueNs, update: (_, ns) => enqueueNs(ns) });
    const enqueueObj = (o: Readonly<KubeObject>): void => {
      if (o.metadata.name === objectName) this.queue.add(o.metadata.namespace ?? '');
    };
    objects.addHandlers({ update: (_, o) => enqueueObj(o), delete: enqueueObj });
  }

  start(): void {
    this.#workers = runWorkers(
      this.queue,
      1,
      (ns) => this.#sync(ns),
      (ns, err) =>
        this.log(`${this.objectName} sync failed`, { namespace: ns, error: String(err) }),
    );
  }

  async stop(): Promise<void> {
    this.queue.shutDown();
    await this.#workers;
  }

  async #sync(ns: string): Promise<void> {
    const namespace = this.namespaces.get(ns);
    if (!namespace || namespace.metadata.deletionTimestamp) return;
    if ((namespace.status as { phase?: string } | undefined)?.phase === 'Terminating') return;
    try {
      await this.syncNamespace(ns);
    } catch (err) {
      // The namespace began terminating between the check and the write.
      if (isStatusError(err, 'Forbidden') || isStatusError(err, 'AlreadyExists')) return;
      throw err;
    }
  }

  protected abstract syncNamespace(ns: string): Promise<void>;
}

export class ServiceAccountsController extends NamespaceController {
  readonly #accounts: Informer;

  constructor(client: KubeClient, namespaces: Informer, accounts: Informer, log: Log) {
    super(client, namespaces, accounts, log, 'default');
    this.#accounts = accounts;
  }

  protected async syncNamespace(ns: string): Promise<void> {
    if (this.#accounts.get(`${ns}/default`)) return;
    await this.client.create(CORE.serviceaccounts, ns, {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'default', namespace: ns },
    });
  }
}

export class RootCaPublisher extends NamespaceController {
  readonly #configMaps: Informer;
  readonly #ca: string;

  constructor(
    client: KubeClient,
    namespaces: Informer,
    configMaps: Informer,
    log: Log,
    ca: string,
  ) {
    super(client, namespaces, configMaps, log, ROOT_CA_CONFIGMAP);
    this.#configMaps = configMaps;
    this.#ca = ca;
  }

  protected async syncNamespace(ns: string): Promise<void> {
    const data = { 'ca.crt': this.#ca };
    const current = this.#configMaps.get(`${ns}/${ROOT_CA_CONFIGMAP}`) as
      (Readonly<KubeObject> & { data?: Record<string, string> }) | undefined;
    if (!current) {
      await this.client.create(CORE.configmaps, ns, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: ROOT_CA_CONFIGMAP,
          namespace: ns,
          annotations: { [DESCRIPTION_ANNOTATION]: ROOT_CA_DESCRIPTION },
        },
        data,
      } as KubeObject);
      return;
    }
    const annotations = current.metadata.annotations ?? {};
    const sameData =
      Object.keys(current.data ?? {}).length === 1 && current.data?.['ca.crt'] === this.#ca;
    if (sameData && annotations[DESCRIPTION_ANNOTATION] === ROOT_CA_DESCRIPTION) return;
    const next = structuredClone(current) as KubeObject & { data?: Record<string, string> };
    next.data = data;
    next.metadata.annotations = { ...annotations, [DESCRIPTION_ANNOTATION]: ROOT_CA_DESCRIPTION };
    await this.client.update(CORE.configmaps, next);
  }
}
