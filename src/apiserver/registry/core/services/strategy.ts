// Services: defaults, ClusterIP and NodePort allocation with conflict checks, and validation.
// Allocation scans the stored Services (a handful on a local cluster), so it needs no separate
// allocator state that could drift from the objects.
import type { FieldError } from '../../../../api/status.js';
import type { KubeObject } from '../../../../api/types.js';
import {
  dns1123Label,
  duplicate,
  duplicateRendered,
  forbidden,
  invalidValue,
  notSupported,
  portName,
  portNumber,
  required,
  validateLabels,
} from '../../../../api/validation.js';
import type { Strategy } from '../../strategy.js';

type Json = Record<string, unknown>;

export interface ServiceNetwork {
  /** e.g. 10.96.0.0/16 */
  serviceCidr: string;
  nodePortRange: [number, number];
}

export const DEFAULT_SERVICE_NETWORK: ServiceNetwork = {
  serviceCidr: '10.96.0.0/16',
  nodePortRange: [30000, 32767],
};

/** Upstream's DefaultClientIPServiceAffinitySeconds: three hours. */
const CLIENT_IP_AFFINITY_SECONDS = 10800;

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** sets.List(supportedServiceType): sorted. */
const TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

function parseCidr(cidr: string): { base: number; size: number } {
  const [ip = '', bits = '32'] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  return { base: ipToInt(ip) - (ipToInt(ip) % size), size };
}

function isIPv4(s: unknown): s is string {
  return (
    typeof s === 'string' &&
    /^(\d{1,3})(\.\d{1,3}){3}$/.test(s) &&
    s.split('.').every((o) => Number(o) <= 255)
  );
}

function ports(spec: Json): Json[] {
  return Array.isArray(spec.ports) ? (spec.ports as Json[]) : [];
}

export function serviceStrategy(
  network: ServiceNetwork,
  listServices: () => readonly KubeObject[],
): Strategy {
  const cidr = parseCidr(network.serviceCidr);

  const usedIps = (self: KubeObject): Set<string> => {
    const used = new Set<string>();
    for (const s of listServices()) {
      if (s.metadata.uid === self.metadata.uid) continue;
      const ip = (s.spec as Json | undefined)?.clusterIP;
      if (typeof ip === 'string') used.add(ip);
    }
    return used;
  };
  const usedNodePorts = (self: KubeObject): Set<number> => {
    const used = new Set<number>();
    for (const s of listServices()) {
      if (s.metadata.uid === self.metadata.uid) continue;
      for (const p of ports((s.spec ?? {}) as Json))
        if (typeof p.nodePort === 'number') used.add(p.nodePort);
      const hc = (s.spec as Json | undefined)?.healthCheckNodePort;
      if (typeof hc === 'number') used.add(hc);
    }
    return used;
  };

  const allocate = (obj: KubeObject, old: KubeObject | undefined): FieldError[] => {
    const spec = obj.spec as Json;
    const type = spec.type as string;
    const errs: FieldError[] = [];
    if (type === 'ExternalName') {
      delete spec.clusterIP;
      delete spec.clusterIPs;
      return errs;
    }
    const oldIp = (old?.spec as Json | undefined)?.clusterIP;
    if (spec.clusterIP === undefined || spec.clusterIP === '') {
      if (typeof oldIp === 'string' && oldIp !== '') spec.clusterIP = oldIp;
    }
    if (spec.clusterIP === undefined || spec.clusterIP === '') {
      const used = usedIps(obj);
      // The first address is kept for the `kubernetes` Service, as upstream does.
      let chosen: string | undefined;
      for (let i = 2; i < cidr.size - 1; i++) {
        const ip = intToIp(cidr.base + i);
        if (!used.has(ip)) {
          chosen = ip;
          break;
        }
      }
      if (!chosen) {
        errs.push(
          forbidden(
            'spec.clusterIPs',
            `failed to allocate IP: range ${network.serviceCidr} is full`,
          ),
        );
        return errs;
      }
      spec.clusterIP = chosen;
    } else if (spec.clusterIP !== 'None') {
      const ip = spec.clusterIP;
      if (!isIPv4(ip)) {
        errs.push(
          invalidValue(
            'spec.clusterIPs[0]',
            ip,
            'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
          ),
        );
      } else if (ip !== oldIp) {
        const n = ipToInt(ip);
        if (n < cidr.base || n >= cidr.base + cidr.size) {
          errs.push(
            invalidValue(
              'spec.clusterIPs',
              [ip],
              `failed to allocate IP ${ip}: the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${network.serviceCidr}`,
            ),
          );
        } else if (usedIps(obj).has(ip)) {
          errs.push(
            invalidValue(
              'spec.clusterIPs',
              [ip],
              `failed to allocate IP ${ip}: provided IP is already allocated`,
            ),
          );
        }
      }
    }
    if (
      old &&
      typeof oldIp === 'string' &&
      oldIp !== '' &&
      spec.clusterIP !== oldIp &&
      (old.spec as Json).type !== 'ExternalName'
    ) {
      errs.push(invalidValue('spec.clusterIPs[0]', spec.clusterIP, 'may not change once set'));
    }
    spec.clusterIPs = [spec.clusterIP];
    // initIPFamilyFields on a single-stack IPv4 cluster: an update keeps the old policy; a
    // headless Service without a selector defaults to RequireDualStack and both families (its
    // endpoints are the user's, of any family).
    const headlessSelectorless =
      spec.clusterIP === 'None' &&
      (!isRecord(spec.selector) || Object.keys(spec.selector).length === 0);
    const oldPolicy = (old?.spec as Json | undefined)?.ipFamilyPolicy;
    if (spec.ipFamilyPolicy === undefined || spec.ipFamilyPolicy === null) {
      if (typeof oldPolicy === 'string') spec.ipFamilyPolicy = oldPolicy;
      else spec.ipFamilyPolicy = headlessSelectorless ? 'RequireDualStack' : 'SingleStack';
    }
    if (!Array.isArray(spec.ipFamilies) || spec.ipFamilies.length === 0) {
      spec.ipFamilies =
        headlessSelectorless && spec.ipFamilyPolicy !== 'SingleStack' ? ['IPv4', 'IPv6'] : ['IPv4'];
    }
    if (type === 'NodePort' || type === 'LoadBalancer') {
      const [lo, hi] = network.nodePortRange;
      const used = usedNodePorts(obj);
      const oldPorts = ports((old?.spec ?? {}) as Json);
      const mine = new Set<number>();
      ports(spec).forEach((p, i) => {
        if (p.nodePort === undefined || p.nodePort === 0) {
          const prev = oldPorts.find(
            (o) => o.port === p.port && o.protocol === p.protocol,
          )?.nodePort;
          if (typeof prev === 'number') p.nodePort = prev;
        }
        if (p.nodePort === undefined || p.nodePort === 0) {
          for (let n = lo; n <= hi; n++) {
            if (!used.has(n) && !mine.has(n)) {
              p.nodePort = n;
              break;
            }
          }
        } else if (typeof p.nodePort === 'number') {
          const n = p.nodePort;
          if (n < lo || n > hi) {
            errs.push(
              invalidValue(
                `spec.ports[${i}].nodePort`,
                n,
                `provided port is not in the valid range. The range of valid ports is ${lo}-${hi}`,
              ),
            );
          } else if (used.has(n)) {
            errs.push(
              invalidValue(`spec.ports[${i}].nodePort`, n, 'provided port is already allocated'),
            );
          }
        }
        if (typeof p.nodePort === 'number') mine.add(p.nodePort);
      });
      // A LoadBalancer that keeps traffic local gets a node port for its health check.
      const oldSpec = (old?.spec ?? {}) as Json;
      if (spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local') {
        if (!spec.healthCheckNodePort && typeof oldSpec.healthCheckNodePort === 'number')
          spec.healthCheckNodePort = oldSpec.healthCheckNodePort;
        if (!spec.healthCheckNodePort) {
          for (let n = lo; n <= hi; n++) {
            if (!used.has(n) && !mine.has(n)) {
              spec.healthCheckNodePort = n;
              break;
            }
          }
        } else if (
          spec.healthCheckNodePort !== oldSpec.healthCheckNodePort &&
          typeof spec.healthCheckNodePort === 'number' &&
          (used.has(spec.healthCheckNodePort) || mine.has(spec.healthCheckNodePort))
        ) {
          errs.push(
            invalidValue(
              'spec.healthCheckNodePort',
              spec.healthCheckNodePort,
              'provided port is already allocated',
            ),
          );
        }
      } else if (spec.healthCheckNodePort === oldSpec.healthCheckNodePort) {
        delete spec.healthCheckNodePort;
      }
    } else {
      for (const p of ports(spec)) delete p.nodePort;
      if (spec.healthCheckNodePort === (old?.spec as Json | undefined)?.healthCheckNodePort)
        delete spec.healthCheckNodePort;
    }
    return errs;
  };

  return {
    defaults(obj) {
      if (typeof obj.spec !== 'object' || obj.spec === null) return;
      const spec = obj.spec as Json;
      // SetDefaults_Service, in its order.
      if (
        spec.sessionAffinity === undefined ||
        spec.sessionAffinity === null ||
        spec.sessionAffinity === ''
      )
        spec.sessionAffinity = 'None';
      if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
      if (spec.sessionAffinity === 'ClientIP') {
        const config = spec.sessionAffinityConfig;
        const clientIP = isRecord(config) ? config.clientIP : undefined;
        if (!isRecord(clientIP) || clientIP.timeoutSeconds == null)
          spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: CLIENT_IP_AFFINITY_SECONDS } };
      }
      if (spec.type === undefined || spec.type === null || spec.type === '')
        spec.type = 'ClusterIP';
      for (const p of ports(spec)) {
        if (p.protocol === undefined || p.protocol === null || p.protocol === '')
          p.protocol = 'TCP';
        if (
          p.targetPort === undefined ||
          p.targetPort === null ||
          p.targetPort === 0 ||
          p.targetPort === ''
        )
          p.targetPort = p.port;
      }
      const externallyAccessible =
        spec.type === 'NodePort' ||
        spec.type === 'LoadBalancer' ||
        (spec.type === 'ClusterIP' &&
          Array.isArray(spec.externalIPs) &&
          spec.externalIPs.length > 0);
      if (
        externallyAccessible &&
        (spec.externalTrafficPolicy === undefined ||
          spec.externalTrafficPolicy === null ||
          spec.externalTrafficPolicy === '')
      )
        spec.externalTrafficPolicy = 'Cluster';
      if (spec.type === 'ClusterIP' || spec.type === 'NodePort' || spec.type === 'LoadBalancer')
        spec.internalTrafficPolicy ??= 'Cluster';
      if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
    },
    prepareForCreate(obj) {
      obj.status = { loadBalancer: {} };
      return TYPES.includes(String((obj.spec as Json | undefined)?.type))
        ? allocate(obj, undefined)
        : [];
    },
    prepareForUpdate(obj, old) {
      return TYPES.includes(String((obj.spec as Json | undefined)?.type)) ? allocate(obj, old) : [];
    },
    validate(obj) {
      // Upstream ValidateService's order: ports required, externalName, each port, selector,
      // type, then duplicate (port, protocol) pairs.
      const errs: FieldError[] = [];
      const spec = obj.spec as Json | undefined;
      if (!spec) return [required('spec')];
      const list = ports(spec);
      if (list.length === 0 && spec.clusterIP !== 'None' && spec.type !== 'ExternalName') {
        errs.push(required('spec.ports'));
      }
      if (spec.type === 'ExternalName') {
        if (typeof spec.externalName !== 'string' || spec.externalName === '')
          errs.push(required('spec.externalName'));
      }
      const names = new Set<string>();
      list.forEach((p, i) => {
        const at = `spec.ports[${i}]`;
        const name = typeof p.name === 'string' ? p.name : '';
        if (list.length > 1 && name === '') errs.push(required(`${at}.name`));
        else if (name !== '') {
          for (const e of dns1123Label(name)) errs.push(invalidValue(`${at}.name`, name, e));
          if (names.has(name)) errs.push(duplicate(`${at}.name`, name));
          else names.add(name);
        }
        for (const m of portNumber(p.port)) errs.push(invalidValue(`${at}.port`, p.port ?? 0, m));
        if (p.protocol === '') errs.push(required(`${at}.protocol`));
        else if (!PROTOCOLS.includes(String(p.protocol))) {
          errs.push(notSupported(`${at}.protocol`, p.protocol, PROTOCOLS));
        }
        const target = p.targetPort;
        if (typeof target === 'string') {
          for (const m of portName(target)) errs.push(invalidValue(`${at}.targetPort`, target, m));
        } else if (target !== undefined) {
          for (const m of portNumber(target)) {
            errs.push(invalidValue(`${at}.targetPort`, target, m));
          }
        }
      });
      if (spec.selector !== undefined && spec.selector !== null) {
        errs.push(...validateLabels(spec.selector, 'spec.selector'));
      }
      if (!TYPES.includes(String(spec.type)))
        errs.push(notSupported('spec.type', spec.type, TYPES));
      if (spec.type === 'ExternalName') return errs;
      const seen = new Set<string>();
      list.forEach((p, i) => {
        const key = `${String(p.port)}/${String(p.protocol)}`;
        if (seen.has(key)) {
          errs.push(
            duplicateRendered(
              `spec.ports[${i}]`,
              `core.ServicePort{Name:"", Protocol:${JSON.stringify(String(p.protocol ?? ''))}, AppProtocol:(*string)(nil), Port:${Number(p.port ?? 0)}, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`,
            ),
          );
        }
        seen.add(key);
      });
      return errs;
    },
  };
}
