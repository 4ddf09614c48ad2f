// Events: core/v1 and events.k8s.io/v1 share one upstream printer, because both are converted to
// the same internal Event first (the registry's conversion, used here too).

import { column, wideColumn } from './columns.js';
import { fieldDoc } from './descriptions.js';
import { parseTime, translateTimestampSince } from '../../api/duration.js';
import type { PrintedRow, TablePrinter } from './table.js';
import {
  coreToInternal,
  eventsV1ToInternal,
  type InternalEvent,
} from '../registry/core/events/conversion.js';

/** formatEventSource: component (else reporting controller), then ", host" when known. */
function eventSource(ev: InternalEvent): string {
  const component = ev.source.component || ev.reportingController;
  const instance = ev.source.host || ev.reportingInstance;
  return instance === '' ? component : `${component}, ${instance}`;
}

function printEvent(ev: InternalEvent, now: Date): PrintedRow {
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
    lastSeen = translateTimestampSince(ev.series.lastObservedTime, now);
    count = ev.series.count;
  } else if (count === 0) {
    count = 1; // singleton events of the new API have no count
  }
  const kind = ev.involvedObject.kind.toLowerCase();
  const objName = ev.involvedObject.name;
  return {
    cells: [
      lastSeen,
      ev.type,
      ev.reason,
      objName !== '' ? `${kind}/${objName}` : kind,
      ev.involvedObject.fieldPath,
      eventSource(ev),
      ev.message.trim(),
      firstSeen,
      count,
      ev.metadata.name ?? '',
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
  row: (ev, now) => printEvent(coreToInternal(ev), now),
};

export const eventsV1EventPrinter: TablePrinter = {
  columns: eventColumns,
  row: (ev, now) => printEvent(eventsV1ToInternal(ev), now),
};
