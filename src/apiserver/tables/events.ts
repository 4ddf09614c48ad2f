// Events: core/v1 and events.k8s.io/v1 share one upstream printer, because both are converted to
// the same internal Event first; here events.k8s.io objects are converted back to core's shape.

import type { KubeObject } from '../../api/types.js';
import { column, wideColumn } from './columns.js';
import { fieldDoc } from './descriptions.js';
import { parseTime, translateTimestampSince } from '../../api/duration.js';
import { int, optRec, rec, str } from './fields.js';
import type { PrintedRow, TablePrinter } from './table.js';
import { eventsV1EventToCore } from '../registry/core/events/conversion.js';

/** The internal Event fields the printer reads. */
interface EventView {
  name: string;
  firstTimestamp: unknown;
  lastTimestamp: unknown;
  eventTime: unknown;
  count: number;
  series: Record<string, unknown> | undefined;
  involvedObject: Record<string, unknown>;
  source: Record<string, unknown>;
  reportingController: string;
  reportingInstance: string;
  type: string;
  reason: string;
  message: string;
}

function coreEventView(ev: KubeObject): EventView {
  return {
    name: ev.metadata.name ?? '',
    firstTimestamp: ev['firstTimestamp'],
    lastTimestamp: ev['lastTimestamp'],
    eventTime: ev['eventTime'],
    count: int(ev['count']),
    series: optRec(ev['series']),
    involvedObject: rec(ev['involvedObject']),
    source: rec(ev['source']),
    reportingController: str(ev['reportingComponent']),
    reportingInstance: str(ev['reportingInstance']),
    type: str(ev['type']),
    reason: str(ev['reason']),
    message: str(ev['message']),
  };
}

/** formatEventSource: component (else reporting controller), then ", host" when known. */
function eventSource(ev: EventView): string {
  const component = str(ev.source['component']) || ev.reportingController;
  const instance = str(ev.source['host']) || ev.reportingInstance;
  return instance === '' ? component : `${component}, ${instance}`;
}

function printEvent(ev: EventView, now: Date): PrintedRow {
  // Old-style events carry first/last timestamps; new-style ones eventTime and a series.
  const firstSeen =
    parseTime(ev.firstTimestamp) !== undefined
      ? translateTimestampSince(ev.firstTimestamp, now)
      : translateTimestampSince(ev.eventTime, now);
  let lastSeen =
    parseTime(ev.lastTimestamp) !== undefined
      ? translateTimestampSince(ev.lastTimestamp, now)
      : firstSeen;
  let count = ev.count;
  if (ev.series !== undefined) {
    lastSeen = translateTimestampSince(ev.series['lastObservedTime'], now);
    count = int(ev.series['count']);
  } else if (count === 0) {
    count = 1; // singleton events of the new API have no count
  }
  const kind = str(ev.involvedObject['kind']).toLowerCase();
  const objName = str(ev.involvedObject['name']);
  return {
    cells: [
      lastSeen,
      ev.type,
      ev.reason,
      objName !== '' ? `${kind}/${objName}` : kind,
      str(ev.involvedObject['fieldPath']),
      eventSource(ev),
      ev.message.trim(),
      firstSeen,
      count,
      ev.name,
    ],
  };
}

const eventColumns = [
  column('Last Seen', 'string', fieldDoc['Event.lastTimestamp']),
  column('Type', 'string', fieldDoc['Event.type']),
  column('Reason', 'string', fieldDoc['Event.reason']),
  column('Object', 'string', fieldDoc['Event.involvedObject']),
  wideColumn('Subobject', 'string', fieldDoc['ObjectReference.fieldPath']),
  wideColumn('Source', 'string', fieldDoc['Event.source']),
  column('Message', 'string', fieldDoc['Event.message']),
  wideColumn('First Seen', 'string', fieldDoc['Event.firstTimestamp']),
  wideColumn('Count', 'string', fieldDoc['Event.count']),
  { ...wideColumn('Name', 'string', fieldDoc['ObjectMeta.name']), format: 'name' },
];

export const coreEventPrinter: TablePrinter = {
  columns: eventColumns,
  row: (ev, now) => printEvent(coreEventView(ev), now),
};

export const eventsV1EventPrinter: TablePrinter = {
  columns: eventColumns,
  row: (ev, now) => printEvent(coreEventView(eventsV1EventToCore(ev)), now),
};
