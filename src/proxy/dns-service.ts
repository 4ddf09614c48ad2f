// The `kube-dns` Service in kube-system, as every cluster has one: ClusterIP plan.dnsIp, ports 53
// UDP and TCP, no selector, and one EndpointSlice of kbox's own pointing at the daemon's DNS
// server (the bridge gateway, an unprivileged port). The VIP controller gives it a VIP container
// like any Service, so pods' port 53 traffic reaches the daemon.
import type { ClusterNetwork } from '../api/cluster-network.js';
import { isStatusError } from '../api/status.js';
import type { KubeObject } from '../api/types.js';
import type { KubeClient } from '../client/rest.js';
import { ENDPOINTSLICES, SERVICES } from './vip-controller.js';

export const DNS_SLICE_MANAGER = 'kbox-cluster-dns';

export async function ensureDnsService(
  client: KubeClient,
  plan: ClusterNetwork,
  port: number,
): Promise<void> {
  const service: KubeObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'kube-dns',
      namespace: 'kube-system',
      labels: {
        'k8s-app': 'kube-dns',
        'kubernetes.io/cluster-service': 'true',
        'kubernetes.io/name': 'CoreDNS',
      },
    },
    spec: {
      clusterIP: plan.dnsIp,
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
      ],
    },
  };
  // Kept as it is when present (a create would fail on its ClusterIP before its name).
  try {
    await client.get(SERVICES, 'kube-system', 'kube-dns');
  } catch (err) {
    if (!isStatusError(err, 'NotFound')) throw err;
    await client.create(SERVICES, 'kube-system', service);
  }
  const slice: KubeObject = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: 'kube-dns-kbox',
      namespace: 'kube-system',
      labels: {
        'kubernetes.io/service-name': 'kube-dns',
        'endpointslice.kubernetes.io/managed-by': DNS_SLICE_MANAGER,
      },
    },
    addressType: 'IPv4',
    endpoints: [{ addresses: [plan.gateway], conditions: { ready: true, serving: true } }],
    ports: [
      { name: 'dns', protocol: 'UDP', port },
      { name: 'dns-tcp', protocol: 'TCP', port },
    ],
  } as KubeObject;
  try {
    await client.create(ENDPOINTSLICES, 'kube-system', slice);
  } catch (err) {
    if (!isStatusError(err, 'AlreadyExists')) throw err;
    const current = await client.get(ENDPOINTSLICES, 'kube-system', 'kube-dns-kbox');
    await client.update(ENDPOINTSLICES, {
      ...slice,
      metadata: { ...slice.metadata, resourceVersion: current.metadata.resourceVersion },
    });
  }
}
