// discovery.k8s.io/v1 endpointslices.

import { ageColumn, column, nameColumn } from './columns.js';
import { fieldDoc } from './descriptions.js';
import { translateTimestampSince } from '../../api/duration.js';
import { arr, optInt, optStr, rec, str } from './fields.js';
import { listWithMore } from './format.js';
import type { TablePrinter } from './table.js';

/** formatDiscoveryPorts: the port number, else its name, else "*" (all ports). */
function slicePorts(ports: unknown[]): string {
  return listWithMore(
    ports.map((raw) => {
      const p = rec(raw);
      const port = optInt(p['port']);
      return port !== undefined ? String(port) : (optStr(p['name']) ?? '*');
    }),
    3,
  );
}

function sliceEndpoints(endpoints: unknown[]): string {
  return listWithMore(
    endpoints.flatMap((e) => arr(rec(e)['addresses']).map(str)),
    3,
  );
}

export const endpointSlicePrinter: TablePrinter = {
  columns: [
    nameColumn,
    column('AddressType', 'string', fieldDoc['EndpointSlice.addressType']),
    column('Ports', 'string', fieldDoc['EndpointSlice.ports']),
    column('Endpoints', 'string', fieldDoc['EndpointSlice.endpoints']),
    ageColumn,
  ],
  row(slice, now) {
    return {
      cells: [
        slice.metadata.name ?? '',
        str(slice['addressType']),
        slicePorts(arr(slice['ports'])),
        sliceEndpoints(arr(slice['endpoints'])),
        translateTimestampSince(slice.metadata.creationTimestamp, now),
      ],
    };
  },
};
