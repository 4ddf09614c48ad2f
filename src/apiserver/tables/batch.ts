// batch/v1 jobs and cronjobs, with the 1.32 columns (jobs: Status, Completions, Duration;
// cronjobs: Timezone).

import type { KubeObject } from '../../api/types.js';
import {
  ageColumn,
  column,
  containersColumn,
  imagesColumn,
  nameColumn,
  wideColumn,
} from './columns.js';
import { fieldDoc } from './descriptions.js';
import { humanDuration, parseTime, translateTimestampSince } from '../../api/duration.js';
import { arr, int, optBool, optInt, optStr, rec } from './fields.js';
import {
  boolPtrString,
  formatLabelSelector,
  layoutContainerCells,
  templateContainers,
} from './format.js';
import type { TablePrinter } from './table.js';

const age = (obj: KubeObject, now: Date): string =>
  translateTimestampSince(obj.metadata.creationTimestamp, now);

/** hasJobCondition: the first condition of that type decides. */
function jobCondition(conditions: unknown[], type: string): boolean {
  const first = conditions.map(rec).find((c) => c['type'] === type);
  return first !== undefined && first['status'] === 'True';
}

function jobStatus(job: KubeObject, conditions: unknown[]): string {
  if (jobCondition(conditions, 'Complete')) return 'Complete';
  if (jobCondition(conditions, 'Failed')) return 'Failed';
  if (parseTime(job.metadata.deletionTimestamp) !== undefined) return 'Terminating';
  if (jobCondition(conditions, 'Suspended')) return 'Suspended';
  if (jobCondition(conditions, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

function jobCompletions(spec: Record<string, unknown>, succeeded: number): string {
  const completions = optInt(spec['completions']);
  if (completions !== undefined) return `${succeeded}/${completions}`;
  // A work-queue job (no completions) finishes with one success.
  const parallelism = optInt(spec['parallelism']) ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

/** Running time: start to completion, or start to now while running; "" before it starts. */
function jobDuration(status: Record<string, unknown>, now: Date): string {
  const start = parseTime(status['startTime']);
  if (start === undefined) return '';
  const end = parseTime(status['completionTime']);
  return humanDuration((end ?? now.getTime()) - start);
}

export const jobPrinter: TablePrinter = {
  columns: [
    nameColumn,
    column('Status', 'string', 'Status of the job.'),
    column('Completions', 'string', fieldDoc['JobStatus.succeeded']),
    column('Duration', 'string', 'Time required to complete the job.'),
    ageColumn,
    containersColumn,
    imagesColumn,
    wideColumn('Selector', 'string', fieldDoc['JobSpec.selector']),
  ],
  row(job, now) {
    const spec = rec(job['spec']);
    const status = rec(job['status']);
    const [containers, images] = layoutContainerCells(templateContainers(spec));
    return {
      cells: [
        job.metadata.name ?? '',
        jobStatus(job, arr(status['conditions'])),
        jobCompletions(spec, int(status['succeeded'])),
        jobDuration(status, now),
        age(job, now),
        containers,
        images,
        formatLabelSelector(spec['selector']),
      ],
    };
  },
};

export const cronJobPrinter: TablePrinter = {
  columns: [
    nameColumn,
    column('Schedule', 'string', fieldDoc['CronJobSpec.schedule']),
    column('Timezone', 'string', fieldDoc['CronJobSpec.timeZone']),
    column('Suspend', 'boolean', fieldDoc['CronJobSpec.suspend']),
    column('Active', 'integer', fieldDoc['CronJobStatus.active']),
    column('Last Schedule', 'string', fieldDoc['CronJobStatus.lastScheduleTime']),
    ageColumn,
    containersColumn,
    imagesColumn,
    wideColumn('Selector', 'string', fieldDoc['JobSpec.selector']),
  ],
  row(cj, now) {
    const spec = rec(cj['spec']);
    const status = rec(cj['status']);
    const jobSpec = rec(rec(spec['jobTemplate'])['spec']);
    const [containers, images] = layoutContainerCells(templateContainers(jobSpec));
    const lastSchedule = status['lastScheduleTime'];
    return {
      cells: [
        cj.metadata.name ?? '',
        typeof spec['schedule'] === 'string' ? spec['schedule'] : '',
        optStr(spec['timeZone']) ?? '<none>',
        // v1 defaults suspend to false, so a stored object without it prints False.
        boolPtrString(optBool(spec['suspend']) ?? false),
        arr(status['active']).length,
        lastSchedule === undefined || lastSchedule === null
          ? '<none>'
          : translateTimestampSince(lastSchedule, now),
        age(cj, now),
        containers,
        images,
        formatLabelSelector(jobSpec['selector']),
      ],
    };
  },
};
