// Starts the controllers over shared informers (one list+watch per resource), waits for the
// caches, and stops everything in order.
import { Informer } from '../client/informer.js';
import type { KubeClient } from '../client/rest.js';
import { CRONJOBS, DEPLOYMENTS, JOBS, PODS, REPLICASETS } from './common.js';
import { CronJobController } from './cronjob/controller.js';
import { DeploymentController } from './deployment/controller.js';
import { GarbageCollector } from './garbagecollector/controller.js';
import { JobController } from './job/controller.js';
import { ReplicaSetController } from './replicaset/controller.js';

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
    jobs: new Informer(client, JOBS, { onError, resyncMs: 60_000 }),
    cronjobs: new Informer(client, CRONJOBS, { onError, resyncMs: 60_000 }),
  };
  const rs = new ReplicaSetController(client, informers.replicasets, informers.pods, log);
  const deploy = new DeploymentController(
    client,
    informers.deployments,
    informers.replicasets,
    log,
  );
  const job = new JobController(client, informers.jobs, informers.pods, log);
  const cronjob = new CronJobController(client, informers.cronjobs, informers.jobs, log);
  const gc = new GarbageCollector(client, informers, log);
  await Promise.all(Object.values(informers).map((i) => i.start()));
  rs.start();
  deploy.start();
  job.start();
  cronjob.start();
  gc.start();
  log('controllers started', {
    controllers: ['replicaset', 'deployment', 'job', 'cronjob', 'garbagecollector'],
  });
  return {
    async stop() {
      await Promise.all([rs.stop(), deploy.stop(), job.stop(), cronjob.stop(), gc.stop()]);
      await Promise.all(Object.values(informers).map((i) => i.stop()));
    },
  };
}
