// core/v1 pods: kube-apiserver 1.32's printPod. The STATUS cell is the subtle part: it starts from
// the phase (or status.reason), is overridden by the first unfinished init container, then by the
// container statuses walked from last to first (so the first container's reason wins), and
// finally by Terminating/Unknown while a deletion is pending.

import type { KubeObject } from '../../api/types.js';
import { ageColumn, column, nameColumn, wideColumn } from './columns.js';
import { fieldDoc } from './descriptions.js';
import { humanDuration, parseTime, translateTimestampSince } from '../../api/duration.js';
import { arr, int, optRec, rec, str } from './fields.js';
import type { PrintedRow, TablePrinter, TableRowCondition } from './table.js';

const podSucceeded: TableRowCondition[] = [
  {
    type: 'Completed',
    status: 'True',
    reason: 'Succeeded',
    message: 'The pod has completed successfully.',
  },
];
const podFailed: TableRowCondition[] = [
  { type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' },
];

/** Go's metav1.Time.Before with unset times as the zero time (earlier than any real time). */
function later(current: number | undefined, candidate: number | undefined): number | undefined {
  if (candidate === undefined) return current;
  return current === undefined || current < candidate ? candidate : current;
}

/** podutil.IsRestartableInitContainer: a sidecar (`restartPolicy: Always`) init container. */
function isRestartable(container: Record<string, unknown> | undefined): boolean {
  return container !== undefined && container['restartPolicy'] === 'Always';
}

function hasCondition(conditions: unknown[], type: string): boolean {
  return conditions.some((c) => rec(c)['type'] === type && rec(c)['status'] === 'True');
}

/** isPodInitializedConditionTrue: only the first Initialized condition counts. */
function initializedConditionTrue(conditions: unknown[]): boolean {
  const first = conditions.map(rec).find((c) => c['type'] === 'Initialized');
  return first !== undefined && first['status'] === 'True';
}

function lastTerminationFinishedAt(status: Record<string, unknown>): number | undefined {
  const terminated = optRec(rec(status['lastState'])['terminated']);
  return terminated === undefined ? undefined : parseTime(terminated['finishedAt']);
}

/** Reason for a terminated container without one: Signal:N when signalled, else ExitCode:N. */
function terminatedWithoutReason(terminated: Record<string, unknown>, prefix: string): string {
  const signal = int(terminated['signal']);
  return signal !== 0
    ? `${prefix}Signal:${signal}`
    : `${prefix}ExitCode:${int(terminated['exitCode'])}`;
}

function printPod(pod: KubeObject, now: Date): PrintedRow {
  const spec = rec(pod['spec']);
  const status = rec(pod['status']);
  const conditions = arr(status['conditions']);
  const specInit = arr(spec['initContainers']).map(rec);

  let restarts = 0;
  let restartableInitRestarts = 0;
  let totalContainers = arr(spec['containers']).length;
  let readyContainers = 0;
  let lastRestart: number | undefined;
  let lastRestartableInitRestart: number | undefined;

  const phase = str(status['phase']);
  let reason = str(status['reason']) !== '' ? str(status['reason']) : phase;
  for (const c of conditions.map(rec)) {
    if (c['type'] === 'PodScheduled' && c['reason'] === 'SchedulingGated') {
      reason = 'SchedulingGated';
    }
  }

  let rowConditions: TableRowCondition[] | undefined;
  if (phase === 'Succeeded') rowConditions = podSucceeded;
  else if (phase === 'Failed') rowConditions = podFailed;

  const initByName = new Map<string, Record<string, unknown>>();
  for (const c of specInit) {
    initByName.set(str(c['name']), c);
    if (isRestartable(c)) totalContainers++;
  }

  let initializing = false;
  const initStatuses = arr(status['initContainerStatuses']).map(rec);
  for (const [i, container] of initStatuses.entries()) {
    const restartCount = int(container['restartCount']);
    const finishedAt = lastTerminationFinishedAt(container);
    restarts += restartCount;
    lastRestart = later(lastRestart, finishedAt);
    const restartable = isRestartable(initByName.get(str(container['name'])));
    if (restartable) {
      restartableInitRestarts += restartCount;
      lastRestartableInitRestart = later(lastRestartableInitRestart, finishedAt);
    }
    const state = rec(container['state']);
    const terminated = optRec(state['terminated']);
    const waiting = optRec(state['waiting']);
    if (terminated !== undefined && int(terminated['exitCode']) === 0) continue;
    if (restartable && container['started'] === true) {
      if (container['ready'] === true) readyContainers++;
      continue;
    }
    if (terminated !== undefined) {
      const terminatedReason = str(terminated['reason']);
      reason =
        terminatedReason === ''
          ? terminatedWithoutReason(terminated, 'Init:')
          : `Init:${terminatedReason}`;
    } else if (
      waiting !== undefined &&
      str(waiting['reason']) !== '' &&
      waiting['reason'] !== 'PodInitializing'
    ) {
      reason = `Init:${str(waiting['reason'])}`;
    } else {
      reason = `Init:${i}/${specInit.length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || initializedConditionTrue(conditions)) {
    restarts = restartableInitRestarts;
    lastRestart = lastRestartableInitRestart;
    let hasRunning = false;
    const statuses = arr(status['containerStatuses']).map(rec);
    for (let i = statuses.length - 1; i >= 0; i--) {
      const container = statuses[i] ?? {};
      restarts += int(container['restartCount']);
      lastRestart = later(lastRestart, lastTerminationFinishedAt(container));
      const state = rec(container['state']);
      const terminated = optRec(state['terminated']);
      const waiting = optRec(state['waiting']);
      if (waiting !== undefined && str(waiting['reason']) !== '') {
        reason = str(waiting['reason']);
      } else if (terminated !== undefined && str(terminated['reason']) !== '') {
        reason = str(terminated['reason']);
      } else if (terminated !== undefined) {
        reason = terminatedWithoutReason(terminated, '');
      } else if (container['ready'] === true && optRec(state['running']) !== undefined) {
        hasRunning = true;
        readyContainers++;
      }
    }
    // A pod whose finished containers say Completed while another still runs is not completed.
    if (reason === 'Completed' && hasRunning) {
      reason = hasCondition(conditions, 'Ready') ? 'Running' : 'NotReady';
    }
  }

  const deleting = parseTime(pod.metadata.deletionTimestamp) !== undefined;
  if (deleting && str(status['reason']) === 'NodeLost') {
    reason = 'Unknown';
  } else if (deleting && phase !== 'Succeeded' && phase !== 'Failed') {
    reason = 'Terminating';
  }

  let restartsCell = String(restarts);
  if (restarts !== 0 && lastRestart !== undefined) {
    restartsCell = `${restarts} (${humanDuration(now.getTime() - lastRestart)} ago)`;
  }

  // The v1 -> internal conversion makes status.podIP authoritative over podIPs[0].
  const podIP = str(status['podIP']) || str(rec(arr(status['podIPs'])[0])['ip']) || '<none>';
  const nodeName = str(spec['nodeName']) || '<none>';
  const nominatedNodeName = str(status['nominatedNodeName']) || '<none>';

  let readinessGates = '<none>';
  const gates = arr(spec['readinessGates']).map(rec);
  if (gates.length > 0) {
    let trueConditions = 0;
    for (const gate of gates) {
      const match = conditions.map(rec).find((c) => c['type'] === gate['conditionType']);
      if (match !== undefined && match['status'] === 'True') trueConditions++;
    }
    readinessGates = `${trueConditions}/${gates.length}`;
  }

  const row: PrintedRow = {
    cells: [
      pod.metadata.name ?? '',
      `${readyContainers}/${totalContainers}`,
      reason,
      restartsCell,
      translateTimestampSince(pod.metadata.creationTimestamp, now),
      podIP,
      nodeName,
      nominatedNodeName,
      readinessGates,
    ],
  };
  if (rowConditions !== undefined) row.conditions = rowConditions;
  return row;
}

export const podPrinter: TablePrinter = {
  columns: [
    nameColumn,
    column('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
    column('Status', 'string', 'The aggregate status of the containers in this pod.'),
    column(
      'Restarts',
      'string',
      'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
    ),
    ageColumn,
    wideColumn('IP', 'string', fieldDoc['PodStatus.podIP']),
    wideColumn('Node', 'string', fieldDoc['PodSpec.nodeName']),
    wideColumn('Nominated Node', 'string', fieldDoc['PodStatus.nominatedNodeName']),
    wideColumn('Readiness Gates', 'string', fieldDoc['PodSpec.readinessGates']),
  ],
  row: printPod,
};
