// The cluster's DNS server, in the daemon: answers the cluster.local zone from the informers'
// caches (dns-records.ts) with authority (fast NXDOMAIN for misses), forwards every other name to
// the host's resolvers, and resolves ExternalName targets so clients get the CNAME and the
// addresses in one answer. It listens on the cluster network's gateway address (the host side of
// the bridge) on an unprivileged port, UDP and TCP; pods reach it through the `kube-dns` Service,
// whose VIP container relays port 53 there (see README).
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket as TcpSocket } from 'node:net';
import dnsPacket, { type Answer, type Packet, type RecordType } from 'dns-packet';
import { lookup, TTL, type ClusterView, type Record as DnsRecord } from './dns-records.js';

const NOERROR = 0;
const SERVFAIL = 2;
const NXDOMAIN = 3;
const UPSTREAM_TIMEOUT_MS = 2000;

/** Name servers of a resolv.conf (the daemon runs on the host, so loopback resolvers work too). */
export function upstreamServers(resolvConf: string): string[] {
  return resolvConf
    .split('\n')
    .map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1])
    .filter((s): s is string => s !== undefined);
}

function toAnswer(r: DnsRecord): Answer {
  return { ...r, class: 'IN', ttl: TTL } as Answer;
}

export interface ClusterDnsOptions {
  view: ClusterView;
  host: string;
  log: (msg: string, fields?: Record<string, unknown>) => void;
  /** Defaults to the name servers of /etc/resolv.conf. */
  upstream?: string[];
}

export class ClusterDns {
  readonly #o: ClusterDnsOptions;
  readonly #upstream: string[];
  #udp: Socket | undefined;
  #tcp: Server | undefined;
  readonly #conns = new Set<TcpSocket>();

  constructor(o: ClusterDnsOptions) {
    this.#o = o;
    let conf = '';
    try {
      conf = readFileSync('/etc/resolv.conf', 'utf8');
    } catch {
      // No resolv.conf: only cluster names resolve.
    }
    this.#upstream = o.upstream ?? upstreamServers(conf);
  }

  /** Binds TCP and UDP on one free port of `host`; resolves with the port. */
  async start(): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      const tcp = createServer((s) => this.#serveTcp(s));
      const port = await new Promise<number>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen(0, this.#o.host, () => {
          const a = tcp.address();
          resolve(typeof a === 'object' && a ? a.port : 0);
        });
      });
      const udp = createSocket('udp4');
      try {
        await new Promise<void>((resolve, reject) => {
          udp.once('error', reject);
          udp.bind(port, this.#o.host, () => resolve());
        });
      } catch (err) {
        tcp.close();
        udp.close();
        if (attempt < 5) continue;
        throw err;
      }
      udp.on('message', (msg, rinfo) => {
        void this.answer(msg, 512).then((reply) => {
          if (reply) udp.send(reply, rinfo.port, rinfo.address);
        });
      });
      udp.on('error', (err) => this.#o.log('dns socket error', { error: err.message }));
      this.#tcp = tcp;
      this.#udp = udp;
      return port;
    }
  }

  async stop(): Promise<void> {
    for (const c of this.#conns) c.destroy();
    await Promise.all([
      new Promise<void>((resolve) => (this.#tcp ? this.#tcp.close(() => resolve()) : resolve())),
      new Promise<void>((resolve) => (this.#udp ? this.#udp.close(() => resolve()) : resolve())),
    ]);
  }

  #serveTcp(s: TcpSocket): void {
    this.#conns.add(s);
    s.on('close', () => this.#conns.delete(s));
    s.on('error', () => s.destroy());
    let buf = Buffer.alloc(0);
    s.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (buf.length < 2 + len) break;
        const msg = buf.subarray(2, 2 + len);
        buf = buf.subarray(2 + len);
        void this.answer(msg, 65535).then((reply) => {
          if (!reply || s.destroyed) return;
          const head = Buffer.alloc(2);
          head.writeUInt16BE(reply.length);
          s.write(Buffer.concat([head, reply]));
        });
      }
    });
  }

  /** The reply to one query message (undefined: not a query we can parse, stay silent). */
  async answer(msg: Buffer, maxSize: number): Promise<Buffer | undefined> {
    let q: Packet;
    try {
      q = dnsPacket.decode(msg);
    } catch {
      return undefined;
    }
    const question = q.questions?.[0];
    if (q.type !== 'query' || !question) return undefined;
    const found = lookup(question.name, question.type, this.#o.view);
    if (!found.zone) {
      return (await this.#forward(msg)) ?? this.#reply(q, SERVFAIL, [], false, maxSize);
    }
    if (!found.exists) return this.#reply(q, NXDOMAIN, [], true, maxSize);
    const answers = found.records.map(toAnswer);
    if (found.chase && question.type !== 'CNAME') {
      answers.push(...(await this.#resolve(found.chase, question.type)));
    }
    return this.#reply(q, NOERROR, answers, true, maxSize);
  }

  /** Answers for an ExternalName target: from the zone, else from the upstream resolvers. */
  async #resolve(name: string, type: RecordType, depth = 0): Promise<Answer[]> {
    if (depth > 4) return [];
    const inZone = lookup(name, type, this.#o.view);
    if (inZone.zone) {
      if (!inZone.exists) return [];
      const own = inZone.records.map(toAnswer);
      return inZone.chase ? [...own, ...(await this.#resolve(inZone.chase, type, depth + 1))] : own;
    }
    const query = dnsPacket.encode({
      type: 'query',
      id: Math.floor(Math.random() * 65535),
      flags: dnsPacket.RECURSION_DESIRED,
      questions: [{ type, name, class: 'IN' }],
    });
    const reply = await this.#forward(query);
    if (!reply) return [];
    try {
      return dnsPacket.decode(reply).answers ?? [];
    } catch {
      return [];
    }
  }

  /** Sends the raw query to each upstream in turn over UDP; the first reply wins. */
  async #forward(msg: Buffer): Promise<Buffer | undefined> {
    for (const server of this.#upstream) {
      const reply = await new Promise<Buffer | undefined>((resolve) => {
        const sock = createSocket(server.includes(':') ? 'udp6' : 'udp4');
        const done = (b: Buffer | undefined): void => {
          clearTimeout(timer);
          sock.close();
          resolve(b);
        };
        const timer = setTimeout(() => done(undefined), UPSTREAM_TIMEOUT_MS);
        sock.on('message', (b) => done(b));
        sock.on('error', () => done(undefined));
        sock.send(msg, 53, server);
      });
      if (reply) return reply;
    }
    return undefined;
  }

  #reply(
    q: Packet,
    rcode: number,
    answers: Answer[],
    authoritative: boolean,
    maxSize: number,
  ): Buffer {
    const flags =
      (authoritative ? dnsPacket.AUTHORITATIVE_ANSWER : 0) |
      dnsPacket.RECURSION_AVAILABLE |
      ((q.flags ?? 0) & dnsPacket.RECURSION_DESIRED) |
      rcode;
    const packet: Packet = {
      type: 'response',
      id: q.id ?? 0,
      flags,
      questions: q.questions ?? [],
      answers,
    };
    let out = dnsPacket.encode(packet);
    if (out.length > maxSize) {
      out = dnsPacket.encode({
        ...packet,
        answers: [],
        flags: flags | dnsPacket.TRUNCATED_RESPONSE,
      });
    }
    return out;
  }
}
