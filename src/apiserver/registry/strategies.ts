// The literal registry of per-resource strategies, keyed by `group/resource`.
import type { Storage } from '../../storage/interface.js';
import { workloadStrategy } from './apps/workloads/strategy.js';
import { namespaceStrategy } from './core/namespaces/strategy.js';
import { podStrategy } from './core/pods/strategy.js';
import {
  DEFAULT_SERVICE_NETWORK,
  serviceStrategy,
  type ServiceNetwork,
} from './core/services/strategy.js';
import type { Strategy } from './strategy.js';

export function buildStrategies(
  storage: Storage,
  network: ServiceNetwork = DEFAULT_SERVICE_NETWORK,
): Record<string, Strategy> {
  return {
    '/namespaces': namespaceStrategy,
    '/pods': podStrategy,
    '/services': serviceStrategy(network, () => storage.list('/core/services/').items),
    'apps/deployments': workloadStrategy('Deployment'),
    'apps/replicasets': workloadStrategy('ReplicaSet'),
    'apps/statefulsets': workloadStrategy('StatefulSet'),
    'apps/daemonsets': workloadStrategy('DaemonSet'),
    'batch/jobs': workloadStrategy('Job'),
    'batch/cronjobs': workloadStrategy('CronJob'),
  };
}
