// A cluster's address plan: one /16 per cluster on its Docker network. Pods get addresses from
// the lower /17 (Docker's IPAM range), Services' ClusterIPs come from the upper /17 (static IPs
// of VIP containers, which Docker only accepts on a network with a user-set subnet), and
// LoadBalancer Services get a loopback address of their own from 127.<b>.1.0/24, <b> being the
// cluster's second octet, so two clusters never hand out the same one.

export interface ClusterNetwork {
  /** e.g. 10.244.0.0/16 */
  subnet: string;
  /** The bridge's own address: 10.244.0.1 */
  gateway: string;
  /** Docker's IPAM range for pods: 10.244.0.0/17 */
  podRange: string;
  /** ClusterIPs: 10.244.128.0/17 */
  serviceCidr: string;
  /** The `kubernetes` Service's ClusterIP, the range's first address: 10.244.128.1 */
  apiServerIp: string;
  /** The kube-dns Service's ClusterIP, the pods' name server: 10.244.128.10 */
  dnsIp: string;
  /** LoadBalancer ingress addresses on the host's loopback: 127.244.1.0/24 */
  loadBalancerCidr: string;
}

export function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

export function isIPv4(s: unknown): s is string {
  return (
    typeof s === 'string' &&
    /^(\d{1,3})(\.\d{1,3}){3}$/.test(s) &&
    s.split('.').every((o) => Number(o) <= 255)
  );
}

/** The first address and the size of an IPv4 CIDR; undefined for anything else (IPv6, junk). */
export function parseCidr(cidr: string): { base: number; size: number } | undefined {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(cidr);
  if (!m || !isIPv4(m[1]) || Number(m[2]) > 32) return undefined;
  const size = 2 ** (32 - Number(m[2]));
  const ip = ipToInt(m[1]);
  return { base: ip - (ip % size), size };
}

export function cidrContains(cidr: string, ip: string): boolean {
  const c = parseCidr(cidr);
  if (!c || !isIPv4(ip)) return false;
  const n = ipToInt(ip);
  return n >= c.base && n < c.base + c.size;
}

export function cidrsOverlap(a: string, b: string): boolean {
  const x = parseCidr(a);
  const y = parseCidr(b);
  if (!x || !y) return false;
  return x.base < y.base + y.size && y.base < x.base + x.size;
}

/** The plan for a 10.<b>.0.0/16 subnet. */
export function clusterNetwork(subnet: string): ClusterNetwork {
  const c = parseCidr(subnet);
  if (!c || c.size !== 65536 || intToIp(c.base).split('.')[0] !== '10') {
    throw new Error(`cluster subnet ${subnet} is not a 10.x.0.0/16`);
  }
  const b = intToIp(c.base).split('.')[1] ?? '0';
  return {
    subnet: `10.${b}.0.0/16`,
    gateway: `10.${b}.0.1`,
    podRange: `10.${b}.0.0/17`,
    serviceCidr: `10.${b}.128.0/17`,
    apiServerIp: `10.${b}.128.1`,
    dnsIp: `10.${b}.128.10`,
    loadBalancerCidr: `127.${b}.1.0/24`,
  };
}

/**
 * Candidate subnets, most familiar first: 10.244 (kind's and flannel's pod CIDR) to 10.249, then
 * 10.251 to 10.255 and 10.200 to 10.243. 10.250 is skipped: fake nodes number their pods there.
 */
export function subnetCandidates(): string[] {
  const seconds = [...range(244, 249), ...range(251, 255), ...range(200, 243)];
  return seconds.map((b) => `10.${b}.0.0/16`);
}

function range(lo: number, hi: number): number[] {
  return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
}

/**
 * The first candidate /16 that overlaps none of `taken` (other Docker networks' subnets, other
 * kbox clusters' subnets, the host's routes when known); undefined when every one is taken.
 */
export function chooseClusterSubnet(taken: readonly string[]): string | undefined {
  return subnetCandidates().find((c) => !taken.some((t) => cidrsOverlap(c, t)));
}
