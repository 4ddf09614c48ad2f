// Starts the controllers over shared informers (one list+watch per resource), waits for the
// caches, and stops everything in order.
import { Informer } from '../client/informer.js';
import { CORE, type KubeClient } from '../client/rest.js';
import { CONTROLLERREVISIONS, DAEMONSETS, STATEFULSETS } from './common.js';
import {
  CRONJOBS,
  DEPLOYMENTS,
  ENDPOINTS,
  ENDPOINTSLICES,
  JOBS,
  LEASES,
  NODES,
  PODS,
  REPLICASETS,
  SERVICES,
} from './common.js';
import { CronJobController } from './cronjob/controller.js';
import { DaemonSetController } from './daemonset/controller.js';
import { DeploymentController } from './deployment/controller.js';
import { EndpointsController } from './endpoints/controller.js';
import { EndpointSliceController } from './endpointslice/controller.js';
import { GarbageCollector } from './garbagecollector/controller.js';
import { JobController } from './job/controller.js';
import { NodeLifecycleController } from './nodelifecycle/controller.js';
import { ReplicaSetController } from './replicaset/controller.js';
import {
  RootCaPublisher,
  ROOT_CA_CONFIGMAP,
  ServiceAccountsController,
} from './serviceaccount/controller.js';
import { StatefulSetController } from './statefulset/controller.js';
import { PersistentVolumeController, PVCS, PVS, STORAGE_CLASSES } from './volume/controller.js';

export type ComponentLog = (msg: string, fields?: Record<string, unknown>) => void;

interface Controller {
  start(): void | Promise<void>;
  stop(): Promise<void>;
}

export interface ControllerManagerOptions {
  /** Where the local-path provisioner keeps volumes. */
  volumesDir: string;
  /** The cluster CA (PEM) the root CA publisher puts in every namespace's kube-root-ca.crt. */
  rootCa?: string;
}

export async function startControllerManager(
  client: KubeClient,
  log: ComponentLog,
  opts: ControllerManagerOptions,
): Promise<{ stop(): Promise<void> }> {
  const onError = (err: unknown): void => log('watch failed; retrying', { error: String(err) });
  const informers = {
    pods: new Informer(client, PODS, { onError, resyncMs: 60_000 }),
    replicasets: new Informer(client, REPLICASETS, { onError, resyncMs: 60_000 }),
    deployments: new Informer(client, DEPLOYMENTS, { onError, resyncMs: 60_000 }),
    jobs: new Informer(client, JOBS, { onError, resyncMs: 60_000 }),
    cronjobs: new Informer(client, CRONJOBS, { onError, resyncMs: 60_000 }),
    services: new Informer(client, SERVICES, { onError, resyncMs: 60_000 }),
    endpoints: new Informer(client, ENDPOINTS, { onError }),
    endpointslices: new Informer(client, ENDPOINTSLICES, { onError }),
    nodes: new Informer(client, NODES, { onError }),
    leases: new Informer(client, LEASES, { onError, namespace: 'kube-node-lease' }),
    pvcs: new Informer(client, PVCS, { onError, resyncMs: 60_000 }),
    pvs: new Informer(client, PVS, { onError, resyncMs: 60_000 }),
    storageclasses: new Informer(client, STORAGE_CLASSES, { onError }),
    statefulsets: new Informer(client, STATEFULSETS, { onError, resyncMs: 60_000 }),
    daemonsets: new Informer(client, DAEMONSETS, { onError, resyncMs: 60_000 }),
    controllerrevisions: new Informer(client, CONTROLLERREVISIONS, { onError }),
    namespaces: new Informer(client, CORE.namespaces, { onError, resyncMs: 60_000 }),
    serviceaccounts: new Informer(client, CORE.serviceaccounts, { onError }),
    configmaps: new Informer(client, CORE.configmaps, {
      onError,
      fieldSelector: `metadata.name=${ROOT_CA_CONFIGMAP}`,
    }),
  };
  const controllers: Record<string, Controller> = {
    replicaset: new ReplicaSetController(client, informers.replicasets, informers.pods, log),
    deployment: new DeploymentController(client, informers.deployments, informers.replicasets, log),
    job: new JobController(client, informers.jobs, informers.pods, log),
    cronjob: new CronJobController(client, informers.cronjobs, informers.jobs, log),
    endpoints: new EndpointsController(
      client,
      informers.services,
      informers.pods,
      informers.endpoints,
      log,
    ),
    endpointslice: new EndpointSliceController(client, informers, log),
    nodelifecycle: new NodeLifecycleController(client, informers, log),
    persistentvolume: new PersistentVolumeController(client, informers, log, opts.volumesDir),
    statefulset: new StatefulSetController(
      client,
      informers.statefulsets,
      informers.pods,
      informers.controllerrevisions,
      log,
      informers.pvcs,
    ),
    daemonset: new DaemonSetController(client, informers, log),
    garbagecollector: new GarbageCollector(client, informers, log),
    serviceaccount: new ServiceAccountsController(
      client,
      informers.namespaces,
      informers.serviceaccounts,
      log,
    ),
    ...(opts.rootCa !== undefined
      ? {
          rootcacertpublisher: new RootCaPublisher(
            client,
            informers.namespaces,
            informers.configmaps,
            log,
            opts.rootCa,
          ),
        }
      : {}),
  };
  await Promise.all(Object.values(informers).map((i) => i.start()));
  for (const c of Object.values(controllers)) await c.start();
  log('controllers started', { controllers: Object.keys(controllers) });
  return {
    async stop() {
      await Promise.all(Object.values(controllers).map((c) => c.stop()));
      await Promise.all(Object.values(informers).map((i) => i.stop()));
    },
  };
}
