// Starts the controllers over shared informers (one list+watch per resource), waits for the
// caches, and stops everything in order.
import { Informer } from '../client/informer.js';
import type { KubeClient } from '../client/rest.js';
import { CONTROLLERREVISIONS, DAEMONSETS, PERSISTENTVOLUMECLAIMS, STATEFULSETS } from './common.js';
import {
  DEPLOYMENTS,
  ENDPOINTS,
  ENDPOINTSLICES,
  NODES,
  PODS,
  REPLICASETS,
  SERVICES,
} from './common.js';
import { DaemonSetController } from './daemonset/controller.js';
import { DeploymentController } from './deployment/controller.js';
import { EndpointsController } from './endpoints/controller.js';
import { EndpointSliceController } from './endpointslice/controller.js';
import { GarbageCollector } from './garbagecollector/controller.js';
import { ReplicaSetController } from './replicaset/controller.js';
import { StatefulSetController } from './statefulset/controller.js';

export type ComponentLog = (msg: string, fields?: Record<string, unknown>) => void;

export async function startControllerManager(
  client: KubeClient,
  log: ComponentLog,
): Promise<{ stop(): Promise<void> }> {
  const onError = (err: unknown): void => log('watch failed; retrying', { error: String(err) });
  const informers = {
    pods: new Informer(client, PODS, { onError, resyncMs: 60_000 }),
    replicasets: new Informer(client, REPLICASETS, { onError, resyncMs: 60_000 }),
    deployments: new Informer(client, DEPLOYMENTS, { onError, resyncMs: 60_000 }),
    services: new Informer(client, SERVICES, { onError, resyncMs: 60_000 }),
    endpoints: new Informer(client, ENDPOINTS, { onError }),
    endpointslices: new Informer(client, ENDPOINTSLICES, { onError }),
    nodes: new Informer(client, NODES, { onError }),
    statefulsets: new Informer(client, STATEFULSETS, { onError, resyncMs: 60_000 }),
    daemonsets: new Informer(client, DAEMONSETS, { onError, resyncMs: 60_000 }),
    controllerrevisions: new Informer(client, CONTROLLERREVISIONS, { onError }),
    persistentvolumeclaims: new Informer(client, PERSISTENTVOLUMECLAIMS, { onError }),
  };
  const rs = new ReplicaSetController(client, informers.replicasets, informers.pods, log);
  const deploy = new DeploymentController(
    client,
    informers.deployments,
    informers.replicasets,
    log,
  );
  const endpoints = new EndpointsController(
    client,
    informers.services,
    informers.pods,
    informers.endpoints,
    log,
  );
  const endpointslices = new EndpointSliceController(client, informers, log);
  const gc = new GarbageCollector(client, informers, log);
  const sts = new StatefulSetController(
    client,
    informers.statefulsets,
    informers.pods,
    informers.controllerrevisions,
    log,
    informers.persistentvolumeclaims,
  );
  const ds = new DaemonSetController(client, informers, log);
  await Promise.all(Object.values(informers).map((i) => i.start()));
  rs.start();
  deploy.start();
  endpoints.start();
  endpointslices.start();
  gc.start();
  sts.start();
  ds.start();
  log('controllers started', {
    controllers: [
      'replicaset',
      'deployment',
      'endpoints',
      'endpointslice',
      'garbagecollector',
      'statefulset',
      'daemonset',
    ],
  });
  return {
    async stop() {
      await Promise.all([
        rs.stop(),
        deploy.stop(),
        endpoints.stop(),
        endpointslices.stop(),
        gc.stop(),
        sts.stop(),
        ds.stop(),
      ]);
      await Promise.all(Object.values(informers).map((i) => i.stop()));
    },
  };
}
