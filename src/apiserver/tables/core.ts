// core/v1 printers other than pods and events: services, endpoints, configmaps, secrets,
// serviceaccounts, namespaces, nodes. Upstream prints internal objects, i.e. after v1 defaulting
// and conversion; where a v1 field may be missing in a stored object, the v1 default is used.

import type { KubeObject } from '../../api/types.js';
import { ageColumn, column, nameColumn, wideColumn } from './columns.js';
import { fieldDoc } from './descriptions.js';
import { translateTimestampSince } from '../../api/duration.js';
import { arr, int, mapLen, rec, str, strMap } from './fields.js';
import { formatLabels, joinHostPort } from './format.js';
import type { TablePrinter } from './table.js';

const age = (obj: KubeObject, now: Date): string =>
  translateTimestampSince(obj.metadata.creationTimestamp, now);
const name = (obj: KubeObject): string => obj.metadata.name ?? '';

/** Load-balancer ingress points: IPs, else hostnames, as a sorted set. */
function loadBalancerIngress(status: Record<string, unknown>): string {
  const points = new Set<string>();
  for (const raw of arr(rec(status['loadBalancer'])['ingress'])) {
    const ing = rec(raw);
    const point = str(ing['ip']) || str(ing['hostname']);
    if (point !== '') points.add(point);
  }
  // The 16-character clipping upstream applies is for non-wide output; the server is always wide.
  return [...points].sort().join(',');
}

function serviceExternalIP(
  svcType: string,
  spec: Record<string, unknown>,
  status: Record<string, unknown>,
): string {
  const externalIPs = arr(spec['externalIPs']).map(str);
  switch (svcType) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerIngress(status);
      if (externalIPs.length > 0)
        return [...(lb === '' ? [] : lb.split(',')), ...externalIPs].join(',');
      return lb !== '' ? lb : '<pending>';
    }
    case 'ExternalName':
      return str(spec['externalName']);
  }
  return '<unknown>';
}

function servicePorts(spec: Record<string, unknown>): string {
  return arr(spec['ports'])
    .map((raw) => {
      const p = rec(raw);
      const protocol = str(p['protocol']) || 'TCP';
      const nodePort = int(p['nodePort']);
      return nodePort > 0
        ? `${int(p['port'])}:${nodePort}/${protocol}`
        : `${int(p['port'])}/${protocol}`;
    })
    .join(',');
}

export const servicePrinter: TablePrinter = {
  columns: [
    nameColumn,
    column('Type', 'string', fieldDoc['ServiceSpec.type']),
    column('Cluster-IP', 'string', fieldDoc['ServiceSpec.clusterIP']),
    column('External-IP', 'string', fieldDoc['ServiceSpec.externalIPs']),
    column('Port(s)', 'string', fieldDoc['ServiceSpec.ports']),
    ageColumn,
    wideColumn('Selector', 'string', fieldDoc['ServiceSpec.selector']),
  ],
  row(svc, now) {
    const spec = rec(svc['spec']);
    const svcType = str(spec['type']) || 'ClusterIP';
    // The v1 -> internal conversion makes spec.clusterIP authoritative over clusterIPs[0].
    const clusterIP = str(spec['clusterIP']) || str(arr(spec['clusterIPs'])[0]) || '<none>';
    return {
      cells: [
        name(svc),
        svcType,
        clusterIP,
        serviceExternalIP(svcType, spec, rec(svc['status'])),
        servicePorts(spec) || '<none>',
        age(svc, now),
        formatLabels(strMap(spec['selector'])),
      ],
    };
  },
};

/** formatEndpoints with all ports: up to three ip:port (or bare ip for port-less subsets). */
function formatEndpoints(subsets: unknown[]): string {
  if (subsets.length === 0) return '<none>';
  const all: string[] = [];
  for (const raw of subsets) {
    const ss = rec(raw);
    const ips = arr(ss['addresses']).map((a) => str(rec(a)['ip']));
    const ports = arr(ss['ports']);
    if (ports.length === 0) {
      all.push(...ips);
      continue;
    }
    for (const port of ports) {
      for (const ip of ips) all.push(joinHostPort(ip, int(rec(port)['port'])));
    }
  }
  const shown = all.slice(0, 3).join(',');
  return all.length > 3 ? `${shown} + ${all.length - 3} more...` : shown;
}

export const endpointsPrinter: TablePrinter = {
  columns: [nameColumn, column('Endpoints', 'string', fieldDoc['Endpoints.subsets']), ageColumn],
  row(ep, now) {
    return { cells: [name(ep), formatEndpoints(arr(ep['subsets'])), age(ep, now)] };
  },
};

export const configMapPrinter: TablePrinter = {
  columns: [nameColumn, column('Data', 'string', fieldDoc['ConfigMap.data']), ageColumn],
  row(cm, now) {
    return { cells: [name(cm), mapLen(cm['data']) + mapLen(cm['binaryData']), age(cm, now)] };
  },
};

export const secretPrinter: TablePrinter = {
  columns: [
    nameColumn,
    column('Type', 'string', fieldDoc['Secret.type']),
    column('Data', 'string', fieldDoc['Secret.data']),
    ageColumn,
  ],
  row(secret, now) {
    return {
      cells: [
        name(secret),
        str(secret['type']) || 'Opaque',
        mapLen(secret['data']),
        age(secret, now),
      ],
    };
  },
};

export const serviceAccountPrinter: TablePrinter = {
  columns: [nameColumn, column('Secrets', 'string', fieldDoc['ServiceAccount.secrets']), ageColumn],
  row(sa, now) {
    return { cells: [name(sa), arr(sa['secrets']).length, age(sa, now)] };
  },
};

export const namespacePrinter: TablePrinter = {
  columns: [nameColumn, column('Status', 'string', 'The status of the namespace'), ageColumn],
  row(ns, now) {
    return { cells: [name(ns), str(rec(ns['status'])['phase']), age(ns, now)] };
  },
};

const NODE_ROLE_PREFIX = 'node-role.kubernetes.io/';
const NODE_ROLE_LABEL = 'kubernetes.io/role';

/** findNodeRoles: `node-role.kubernetes.io/<role>` keys and the legacy `kubernetes.io/role` value. */
function nodeRoles(labels: Record<string, string>): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(labels)) {
    if (k.startsWith(NODE_ROLE_PREFIX)) {
      const role = k.slice(NODE_ROLE_PREFIX.length);
      if (role !== '') roles.add(role);
    } else if (k === NODE_ROLE_LABEL && v !== '') {
      roles.add(v);
    }
  }
  return [...roles].sort();
}

function nodeAddress(status: Record<string, unknown>, type: string): string {
  const found = arr(status['addresses'])
    .map(rec)
    .find((a) => a['type'] === type);
  return found === undefined ? '<none>' : str(found['address']);
}

export const nodePrinter: TablePrinter = {
  columns: [
    nameColumn,
    column('Status', 'string', 'The status of the node'),
    column('Roles', 'string', 'The roles of the node'),
    ageColumn,
    column('Version', 'string', fieldDoc['NodeSystemInfo.kubeletVersion']),
    wideColumn('Internal-IP', 'string', fieldDoc['NodeStatus.addresses']),
    wideColumn('External-IP', 'string', fieldDoc['NodeStatus.addresses']),
    wideColumn('OS-Image', 'string', fieldDoc['NodeSystemInfo.osImage']),
    wideColumn('Kernel-Version', 'string', fieldDoc['NodeSystemInfo.kernelVersion']),
    wideColumn('Container-Runtime', 'string', fieldDoc['NodeSystemInfo.containerRuntimeVersion']),
  ],
  row(node, now) {
    const status = rec(node['status']);
    const info = rec(status['nodeInfo']);
    // Upstream keys conditions by type, so the last Ready condition wins.
    const ready = arr(status['conditions'])
      .map(rec)
      .filter((c) => c['type'] === 'Ready')
      .at(-1);
    const states: string[] = [];
    if (ready === undefined) states.push('Unknown');
    else states.push(ready['status'] === 'True' ? 'Ready' : 'NotReady');
    if (rec(node['spec'])['unschedulable'] === true) states.push('SchedulingDisabled');
    const roles = nodeRoles(node.metadata.labels ?? {}).join(',');
    return {
      cells: [
        name(node),
        states.join(','),
        roles || '<none>',
        age(node, now),
        str(info['kubeletVersion']),
        nodeAddress(status, 'InternalIP'),
        nodeAddress(status, 'ExternalIP'),
        str(info['osImage']) || '<unknown>',
        str(info['kernelVersion']) || '<unknown>',
        str(info['containerRuntimeVersion']) || '<unknown>',
      ],
    };
  },
};
