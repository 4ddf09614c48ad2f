// The literal registry of per-resource strategies, keyed by `group/resource`.
import type { Storage } from '../../storage/interface.js';
import { StampedReads } from '../../storage/stamped.js';
import { workloadStrategy } from './apps/workloads/strategy.js';
import { configMapStrategy, secretStrategy } from './core/configmaps/strategy.js';
import { coreEventStrategy, eventsV1EventStrategy } from './core/events/strategy.js';
import { namespaceStrategy } from './core/namespaces/strategy.js';
import { withPriorityAdmission } from './core/pods/priority.js';
import { withServiceAccountAdmission } from './core/pods/serviceaccount.js';
import { podStrategy } from './core/pods/strategy.js';
import { randomSuffix } from './store.js';
import {
  DEFAULT_SERVICE_NETWORK,
  serviceStrategy,
  type ServiceNetwork,
} from './core/services/strategy.js';
import { priorityClassStrategy } from './scheduling/priorityclasses/strategy.js';
import type { Strategy } from './strategy.js';

export const PRIORITY_CLASS_PREFIX = '/scheduling.k8s.io/priorityclasses/';

export function buildStrategies(
  storage: Storage,
  network: ServiceNetwork = DEFAULT_SERVICE_NETWORK,
): Record<string, Strategy> {
  // Every pod create reads its service account and the priority classes (the global default).
  const priorityClasses = new StampedReads(storage, PRIORITY_CLASS_PREFIX);
  const serviceAccounts = new StampedReads(storage, '/core/serviceaccounts/');
  const classes = {
    get: (name: string) => priorityClasses.get(`${PRIORITY_CLASS_PREFIX}${name}`),
    list: () => priorityClasses.list(),
  };
  return {
    '/configmaps': configMapStrategy,
    '/secrets': secretStrategy,
    '/events': coreEventStrategy,
    'events.k8s.io/events': eventsV1EventStrategy,
    '/namespaces': namespaceStrategy,
    '/pods': withPriorityAdmission(
      withServiceAccountAdmission(
        podStrategy,
        (ns, name) => serviceAccounts.get(`/core/serviceaccounts/${ns}/${name}`),
        randomSuffix,
      ),
      classes,
    ),
    '/services': serviceStrategy(network, () => storage.list('/core/services/').items),
    'apps/deployments': workloadStrategy('Deployment'),
    'apps/replicasets': workloadStrategy('ReplicaSet'),
    'apps/statefulsets': workloadStrategy('StatefulSet'),
    'apps/daemonsets': workloadStrategy('DaemonSet'),
    'batch/jobs': workloadStrategy('Job'),
    'batch/cronjobs': workloadStrategy('CronJob'),
    'scheduling.k8s.io/priorityclasses': priorityClassStrategy(classes.list),
  };
}
