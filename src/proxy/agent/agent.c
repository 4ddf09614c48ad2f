/*
 * kbox-agent: the data plane of a kbox Service's VIP container (x86-64 Linux, no libc).
 *
 * It runs as PID 1 of a container that holds the Service's ClusterIP, reads configuration
 * snapshots on stdin (see ../README.md for the protocol) and forwards TCP connections and UDP
 * datagrams arriving on the listed ports to the Service's endpoints.
 *
 * Build (scripts/build-agent.sh):
 *   gcc -nostdlib -static -Os -fno-stack-protector -fno-asynchronous-unwind-tables \
 *       -ffreestanding -fno-builtin -fno-pie -no-pie -ffunction-sections -fdata-sections \
 *       -Wl,--gc-sections -Wl,--build-id=none -s -o agent agent.c
 *
 * Structure: one thread, one epoll instance, level-triggered. Every fd is registered with exactly
 * the events it can make progress on and is removed from epoll when there are none, so an
 * EPOLLHUP/EPOLLERR that cannot be acted on yet never spins the loop. No dynamic allocation except
 * the per-connection copy buffers (mmap, with a small free cache); all tables are static.
 */

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long u64;
typedef long i64;

/* ---- raw system calls ---------------------------------------------------------------------- */

enum {
  SYS_read = 0, SYS_write = 1, SYS_close = 3, SYS_mmap = 9, SYS_munmap = 11,
  SYS_rt_sigprocmask = 14, SYS_socket = 41, SYS_connect = 42, SYS_sendto = 44,
  SYS_recvfrom = 45, SYS_shutdown = 48, SYS_bind = 49, SYS_listen = 50, SYS_setsockopt = 54,
  SYS_getsockopt = 55, SYS_wait4 = 61, SYS_clock_gettime = 228, SYS_exit_group = 231,
  SYS_epoll_wait = 232, SYS_epoll_ctl = 233, SYS_accept4 = 288, SYS_signalfd4 = 289,
  SYS_epoll_create1 = 291, SYS_prlimit64 = 302,
};

static i64 sys6(i64 n, i64 a, i64 b, i64 c, i64 d, i64 e, i64 f) {
  register i64 r10 __asm__("r10") = d;
  register i64 r8 __asm__("r8") = e;
  register i64 r9 __asm__("r9") = f;
  i64 ret;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
}
#define SC(n, a, b, c, d, e, f) sys6(n, (i64)(a), (i64)(b), (i64)(c), (i64)(d), (i64)(e), (i64)(f))

enum { EAGAIN_ = 11, EINTR_ = 4, EINPROGRESS_ = 115, EMFILE_ = 24, ENFILE_ = 23,
       ENOBUFS_ = 105, ENOMEM_ = 12, EPERM_ = 1 };

static void bzero_(void *p, u64 n) { __asm__ volatile("rep stosb" : "+D"(p), "+c"(n) : "a"(0) : "memory"); }
static void bcopy_(void *d, const void *s, u64 n) {
  __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
}

/* ---- small helpers ------------------------------------------------------------------------- */

static u64 now_ms(void) {
  struct { i64 s, ns; } ts;
  SC(SYS_clock_gettime, 1 /* CLOCK_MONOTONIC */, &ts, 0, 0, 0, 0);
  return (u64)ts.s * 1000 + (u64)ts.ns / 1000000;
}


static char *utoa_(char *p, u64 v) {
  char t[20]; int n = 0;
  do { t[n++] = (char)('0' + v % 10); v /= 10; } while (v);
  while (n) *p++ = t[--n];
  return p;
}

/* Writes a..d (NULs skipped, each clipped) and a newline to fd; messages are advisory. */
static void say(int fd, const char *a, const char *b, const char *c, const char *d) {
  char buf[512]; char *p = buf;
  const char *parts[4] = {a, b, c, d};
  for (int i = 0; i < 4; i++) {
    const char *s = parts[i];
    if (!s) continue;
    for (u32 k = 0; s[k] && p < buf + 500; k++) *p++ = s[k];
  }
  *p++ = '\n';
  SC(SYS_write, fd, buf, p - buf, 0, 0, 0);
}
#define LOG(a, b, c) say(2, "kbox-agent: ", a, b, c)

static void sayport(const char *what, int proto_udp, u32 port, i64 err) {
  char num[48]; char *p = num;
  p = utoa_(p, port);
  if (err) { *p++ = ' '; *p++ = '('; *p++ = 'e'; *p++ = 'r'; *p++ = 'r'; *p++ = 'n'; *p++ = 'o';
             *p++ = ' '; p = utoa_(p, (u64)-err); *p++ = ')'; }
  *p = 0;
  LOG(what, proto_udp ? "udp " : "tcp ", num);
}

/* ---- socket plumbing ----------------------------------------------------------------------- */

enum { AF_INET_ = 2, SOCK_STREAM_ = 1, SOCK_DGRAM_ = 2, SOCK_NONBLOCK_ = 04000,
       SOCK_CLOEXEC_ = 02000000, SOL_SOCKET_ = 1, SO_REUSEADDR_ = 2, SO_ERROR_ = 4,
       SO_LINGER_ = 13, IPPROTO_TCP_ = 6, TCP_NODELAY_ = 1, SHUT_WR_ = 1,
       MSG_NOSIGNAL_ = 0x4000, MSG_DONTWAIT_ = 0x40 };

struct sin { u16 family; u16 port; u32 addr; u8 zero[8]; };

enum { EPOLLIN_ = 1, EPOLLOUT_ = 4, EPOLLERR_ = 8, EPOLLHUP_ = 16,
       EPOLL_CTL_ADD_ = 1, EPOLL_CTL_DEL_ = 2, EPOLL_CTL_MOD_ = 3 };

struct __attribute__((packed)) epev { u32 events; u64 data; };

static int epfd;
static u32 fds_used, fd_limit;

static void setint(int fd, int level, int opt, int v) { SC(SYS_setsockopt, fd, level, opt, &v, 4, 0); }

static int close_fd(int fd) {
  if (fd < 0) return -1;
  SC(SYS_close, fd, 0, 0, 0, 0, 0);
  fds_used--;
  return -1;
}

/* Registers fd for `want` events (0 = not registered), given the currently registered `*have`. */
static void ep_set(int fd, u8 *have, u32 want, u64 data) {
  if (*have == want) return;
  struct epev ev = {want, data};
  int op = !*have ? EPOLL_CTL_ADD_ : !want ? EPOLL_CTL_DEL_ : EPOLL_CTL_MOD_;
  SC(SYS_epoll_ctl, epfd, op, fd, &ev, 0, 0);
  *have = (u8)want;
}

/* ---- configuration ------------------------------------------------------------------------- */

#define MAX_PORTS 256
#define MAX_EPS 8192

struct ep { u32 ip; u16 port; };            /* both in network byte order */
struct svcport { u8 udp; u16 port; u32 first, n; };
struct config {
  u32 nports, neps, affinity_secs;           /* affinity_secs 0: no session affinity */
  struct svcport ports[MAX_PORTS];
  struct ep eps[MAX_EPS];
};
static struct config cfgs[2];
static struct config *cur, *next;          /* cfgs[0] and cfgs[1], swapped on "end" */
static u32 snapshots;

/* ---- listeners ----------------------------------------------------------------------------- */

struct listener { int fd; u8 udp, armed; u16 port; u32 gen, rr, cfgidx; };
static struct listener ls[MAX_PORTS];
static int paused;                           /* TCP listeners disarmed: out of fds or sessions */

enum { T_STDIN = 1, T_SIG, T_LISTEN, T_CLIENT, T_BACKEND, T_UDP };
static u64 tag(u32 type, u32 idx, u32 gen) { return (u64)type << 56 | (u64)idx << 32 | gen; }

static void arm(struct listener *l, int on) {
  u8 have = l->armed;
  ep_set(l->fd, &have, on ? EPOLLIN_ : 0, tag(T_LISTEN, (u32)(l - ls), l->gen));
  l->armed = have;
}

/* ---- ClientIP session affinity ------------------------------------------------------------- */

#define AFF_SIZE 4096
struct aff { u32 client; u16 lslot; u32 lgen; struct ep ep; u64 last; };
static struct aff affs[AFF_SIZE];

static struct aff *aff_slot(u32 client, u32 lslot, u32 lgen, u64 now, int create) {
  u32 h = (client * 2654435761u ^ lslot * 40503u) & (AFF_SIZE - 1);
  struct aff *victim = 0;
  int victim_live = 1;
  u64 ttl = (u64)cur->affinity_secs * 1000;
  for (u32 i = 0; i < 8; i++) {
    struct aff *a = &affs[(h + i) & (AFF_SIZE - 1)];
    int live = a->last && now - a->last < ttl;
    if (live && a->client == client && a->lslot == lslot && a->lgen == lgen) return a;
    /* Replace the first dead entry of the probe window, else the least recently used. */
    if (!live ? victim_live : victim_live && (!victim || a->last < victim->last)) {
      victim = a;
      victim_live = live;
    }
  }
  if (!create) return 0;
  bzero_(victim, sizeof *victim);
  return victim;
}

/* Picks an endpoint of listener l for a client: the remembered one under ClientIP affinity
 * (if it still exists and use_affinity), otherwise the next in round-robin order. */
static int pick(struct listener *l, u32 client, int use_affinity, struct ep *out) {
  struct svcport *sp = &cur->ports[l->cfgidx];
  if (!sp->n) return 0;
  u64 now = now_ms();
  if (cur->affinity_secs && use_affinity) {
    struct aff *a = aff_slot(client, (u32)(l - ls), l->gen, now, 0);
    if (a)
      for (u32 i = 0; i < sp->n; i++) {
        struct ep *e = &cur->eps[sp->first + i];
        if (e->ip == a->ep.ip && e->port == a->ep.port) { a->last = now; *out = *e; return 1; }
      }
  }
  *out = cur->eps[sp->first + l->rr++ % sp->n];
  if (cur->affinity_secs) {
    struct aff *a = aff_slot(client, (u32)(l - ls), l->gen, now, 1);
    a->client = client; a->lslot = (u16)(l - ls); a->lgen = l->gen; a->ep = *out; a->last = now;
  }
  return 1;
}

/* ---- TCP sessions -------------------------------------------------------------------------- */

#define MAX_TCP 16384
#define BUF 65536
#define MAX_ATTEMPTS 4
#define CONNECT_TIMEOUT_MS 1000
enum { S_FREE, S_CONNECTING, S_ACTIVE };
enum { C_EOF = 1, B_EOF = 2, C_SHUT = 4, B_SHUT = 8 };

struct tcps {
  int cfd, bfd;
  u8 state, cmask, bmask, fl, attempts;
  u16 lslot;
  u32 lgen, gen, client, c2b_off, c2b_len, b2c_off, b2c_len, nextfree;
  u64 deadline;
  char *buf;                                 /* c2b at buf, b2c at buf + BUF */
};
static struct tcps tcp[MAX_TCP];
static u32 tcp_hwm, tcp_free, n_tcp, n_connecting;

static char *buf_cache[32];
static u32 n_buf_cache;

static char *buf_get(void) {
  if (n_buf_cache) return buf_cache[--n_buf_cache];
  i64 p = SC(SYS_mmap, 0, 2 * BUF, 3 /* RW */, 0x22 /* PRIVATE|ANON */, -1, 0);
  return p < 0 && p > -4096 ? 0 : (char *)p;
}
static void buf_put(char *b) {
  if (!b) return;
  if (n_buf_cache < 32) buf_cache[n_buf_cache++] = b;
  else SC(SYS_munmap, b, 2 * BUF, 0, 0, 0, 0);
}

static void resume_listeners(void) {
  if (!paused) return;
  paused = 0;
  for (u32 i = 0; i < MAX_PORTS; i++)
    if (ls[i].fd >= 0 && !ls[i].udp) arm(&ls[i], 1);
}

static void tcp_free_session(struct tcps *s, int reset_client) {
  if (reset_client && s->cfd >= 0) {
    struct { int on, secs; } lg = {1, 0};
    SC(SYS_setsockopt, s->cfd, SOL_SOCKET_, SO_LINGER_, &lg, sizeof lg, 0);
  }
  if (s->state == S_CONNECTING) n_connecting--;
  s->cfd = close_fd(s->cfd);                 /* close() also drops the fd from epoll */
  s->bfd = close_fd(s->bfd);
  buf_put(s->buf);
  s->buf = 0;
  s->state = S_FREE;
  s->gen++;
  s->nextfree = tcp_free;
  tcp_free = (u32)(s - tcp);
  n_tcp--;
  resume_listeners();
}

static void tcp_update(struct tcps *s) {
  u32 i = (u32)(s - tcp);
  u32 cw = 0, bw = 0;
  if (!(s->fl & C_EOF) && s->c2b_off + s->c2b_len < BUF) cw |= EPOLLIN_;
  if (s->b2c_len) cw |= EPOLLOUT_;
  if (!(s->fl & B_EOF) && s->b2c_off + s->b2c_len < BUF) bw |= EPOLLIN_;
  if (s->c2b_len) bw |= EPOLLOUT_;
  ep_set(s->cfd, &s->cmask, cw, tag(T_CLIENT, i, s->gen));
  ep_set(s->bfd, &s->bmask, bw, tag(T_BACKEND, i, s->gen));
}

/* Moves bytes src -> buffer -> dst; returns 0 when the session is broken. Bounded per call so
 * one fast stream cannot starve the others (level-triggered epoll brings us back). */
static int copy(int src, int dst, char *b, u32 *off, u32 *len, u8 *fl, u8 eof, u8 shut) {
  for (int round = 0; round < 8; round++) {
    int progress = 0;
    if (!(*fl & eof) && *off + *len < BUF) {
      i64 r = SC(SYS_read, src, b + *off + *len, BUF - *off - *len, 0, 0, 0);
      if (r > 0) { *len += (u32)r; progress = 1; }
      else if (r == 0) { *fl |= eof; progress = 1; }
      else if (r != -EAGAIN_ && r != -EINTR_) return 0;
    }
    if (*len) {
      i64 w = SC(SYS_sendto, dst, b + *off, *len, MSG_NOSIGNAL_, 0, 0);
      if (w > 0) { *off += (u32)w; *len -= (u32)w; if (!*len) *off = 0; progress = 1; }
      else if (w != -EAGAIN_ && w != -EINTR_) return 0;
    }
    if (!progress) break;
  }
  if ((*fl & eof) && !*len && !(*fl & shut)) {     /* propagate the half-close */
    SC(SYS_shutdown, dst, SHUT_WR_, 0, 0, 0, 0);
    *fl |= shut;
  }
  return 1;
}

static void tcp_pump(struct tcps *s) {
  if (!copy(s->cfd, s->bfd, s->buf, &s->c2b_off, &s->c2b_len, &s->fl, C_EOF, B_SHUT) ||
      !copy(s->bfd, s->cfd, s->buf + BUF, &s->b2c_off, &s->b2c_len, &s->fl, B_EOF, C_SHUT)) {
    tcp_free_session(s, 0);
    return;
  }
  if ((s->fl & (C_SHUT | B_SHUT)) == (C_SHUT | B_SHUT)) { tcp_free_session(s, 0); return; }
  tcp_update(s);
}

static void tcp_connected(struct tcps *s) {
  n_connecting--;
  s->state = S_ACTIVE;
  s->buf = buf_get();
  if (!s->buf) { LOG("out of memory for a connection buffer", 0, 0); tcp_free_session(s, 1); return; }
  setint(s->bfd, IPPROTO_TCP_, TCP_NODELAY_, 1);
  setint(s->cfd, IPPROTO_TCP_, TCP_NODELAY_, 1);
  tcp_pump(s);                               /* re-registers both fds for copying */
}

/* Starts connecting to the next endpoint; on exhaustion resets the client. Like kube-proxy's
 * userspace tryConnect: up to MAX_ATTEMPTS endpoints, each with a 1 s connect timeout. */
static void tcp_try(struct tcps *s) {
  for (;;) {
    struct listener *l = &ls[s->lslot];
    struct ep e;
    if (s->bfd >= 0) {                       /* the previous attempt failed */
      s->bfd = close_fd(s->bfd);             /* close() also drops it from epoll */
      s->bmask = 0;
    }
    if (l->fd < 0 || l->gen != s->lgen || s->attempts >= MAX_ATTEMPTS ||
        s->attempts >= cur->ports[l->cfgidx].n || !pick(l, s->client, s->attempts == 0, &e)) {
      tcp_free_session(s, 1);
      return;
    }
    s->attempts++;
    if (fds_used + 1 >= fd_limit) { tcp_free_session(s, 1); return; }
    i64 fd = SC(SYS_socket, AF_INET_, SOCK_STREAM_ | SOCK_NONBLOCK_ | SOCK_CLOEXEC_, 0, 0, 0, 0);
    if (fd < 0) { tcp_free_session(s, 1); return; }
    fds_used++;
    s->bfd = (int)fd;
    struct sin a = {AF_INET_, e.port, e.ip, {0}};
    i64 r = SC(SYS_connect, fd, &a, sizeof a, 0, 0, 0);
    if (r == 0) { tcp_connected(s); return; }
    if (r == -EINPROGRESS_) {
      s->deadline = now_ms() + CONNECT_TIMEOUT_MS;
      ep_set(s->bfd, &s->bmask, EPOLLOUT_, tag(T_BACKEND, (u32)(s - tcp), s->gen));
      return;
    }
  }
}

static void tcp_accept(struct listener *l) {
  for (int k = 0; k < 64; k++) {
    if (n_tcp >= MAX_TCP || fds_used + 3 >= fd_limit) {
      paused = 1;
      for (u32 i = 0; i < MAX_PORTS; i++) if (ls[i].fd >= 0 && !ls[i].udp) arm(&ls[i], 0);
      return;
    }
    struct sin peer; u32 plen = sizeof peer;
    i64 fd = SC(SYS_accept4, l->fd, &peer, &plen, SOCK_NONBLOCK_ | SOCK_CLOEXEC_, 0, 0);
    if (fd < 0) {
      if (fd == -EMFILE_ || fd == -ENFILE_ || fd == -ENOBUFS_ || fd == -ENOMEM_) {
        paused = 1;
        for (u32 i = 0; i < MAX_PORTS; i++) if (ls[i].fd >= 0 && !ls[i].udp) arm(&ls[i], 0);
      }
      return;
    }
    fds_used++;
    u32 i = tcp_free;
    if (i != ~0u) tcp_free = tcp[i].nextfree;
    else i = tcp_hwm++;
    struct tcps *s = &tcp[i];
    u32 gen = s->gen;
    bzero_(s, sizeof *s);
    s->gen = gen;
    s->cfd = (int)fd;
    s->bfd = -1;
    s->state = S_CONNECTING;
    s->lslot = (u16)(l - ls);
    s->lgen = l->gen;
    s->client = peer.addr;
    n_tcp++;
    n_connecting++;
    tcp_try(s);
  }
}

static void tcp_event(u32 idx, u32 gen, u32 ev) {
  struct tcps *s = &tcp[idx];
  if (idx >= tcp_hwm || s->gen != gen || s->state == S_FREE) return;   /* stale event */
  if (s->state == S_CONNECTING) {
    int err = 0; u32 len = sizeof err;
    SC(SYS_getsockopt, s->bfd, SOL_SOCKET_, SO_ERROR_, &err, &len, 0);
    if (err || (ev & (EPOLLERR_ | EPOLLHUP_))) tcp_try(s);
    else tcp_connected(s);
    return;
  }
  tcp_pump(s);
}

/* ---- UDP sessions -------------------------------------------------------------------------- */

#define MAX_UDP 4096
#define UDP_HASH 8192
#define UDP_IDLE_MS 30000
struct udps { int fd; u8 used, mask; u16 lslot, cport; u32 lgen, gen, cip, hnext; u64 last; };
static struct udps udp[MAX_UDP];
static u32 ubucket[UDP_HASH];                /* index + 1 of the first session; 0 = empty */
static u32 udp_hwm, n_udp;
static char dgram[65536];

static u32 uhash(u32 lslot, u32 cip, u32 cport) {
  return ((cip * 2654435761u) ^ (cport * 40503u) ^ lslot) & (UDP_HASH - 1);
}

static void udp_free_session(struct udps *u) {
  u32 *pp = &ubucket[uhash(u->lslot, u->cip, u->cport)];
  while (*pp && &udp[*pp - 1] != u) pp = &udp[*pp - 1].hnext;
  if (*pp) *pp = u->hnext;
  u->fd = close_fd(u->fd);
  u->used = 0;
  u->gen++;
  n_udp--;
}

static void udp_listen_event(struct listener *l) {
  for (int k = 0; k < 64; k++) {
    struct sin peer; u32 plen = sizeof peer;
    i64 n = SC(SYS_recvfrom, l->fd, dgram, sizeof dgram, MSG_DONTWAIT_, &peer, &plen);
    if (n < 0) return;
    u32 lslot = (u32)(l - ls), h = uhash(lslot, peer.addr, peer.port);
    struct udps *u = 0;
    for (u32 j = ubucket[h]; j; j = udp[j - 1].hnext) {
      struct udps *c = &udp[j - 1];
      if (c->lslot == lslot && c->lgen == l->gen && c->cip == peer.addr && c->cport == peer.port) {
        u = c;
        break;
      }
    }
    if (!u) {
      struct ep e;
      if (!pick(l, peer.addr, 1, &e)) continue;          /* no endpoints: drop */
      if (fds_used + 1 >= fd_limit) continue;
      u32 i = 0;
      while (i < udp_hwm && udp[i].used) i++;
      if (i == MAX_UDP) continue;
      i64 fd = SC(SYS_socket, AF_INET_, SOCK_DGRAM_ | SOCK_NONBLOCK_ | SOCK_CLOEXEC_, 0, 0, 0, 0);
      if (fd < 0) continue;
      fds_used++;
      struct sin a = {AF_INET_, e.port, e.ip, {0}};
      if (SC(SYS_connect, fd, &a, sizeof a, 0, 0, 0) < 0) { close_fd((int)fd); continue; }
      if (i == udp_hwm) udp_hwm++;
      u = &udp[i];
      u32 gen = u->gen;
      bzero_(u, sizeof *u);
      u->gen = gen; u->fd = (int)fd; u->used = 1; u->lslot = (u16)lslot; u->lgen = l->gen;
      u->cip = peer.addr; u->cport = peer.port;
      u->hnext = ubucket[h];
      ubucket[h] = i + 1;
      n_udp++;
      ep_set(u->fd, &u->mask, EPOLLIN_, tag(T_UDP, i, u->gen));
    }
    u->last = now_ms();
    SC(SYS_sendto, u->fd, dgram, n, MSG_DONTWAIT_ | MSG_NOSIGNAL_, 0, 0);   /* loss is allowed */
  }
}

static void udp_event(u32 idx, u32 gen) {
  struct udps *u = &udp[idx];
  if (idx >= udp_hwm || !u->used || u->gen != gen) return;
  struct listener *l = &ls[u->lslot];
  if (l->fd < 0 || l->gen != u->lgen) { udp_free_session(u); return; }
  for (int k = 0; k < 64; k++) {
    i64 n = SC(SYS_recvfrom, u->fd, dgram, sizeof dgram, MSG_DONTWAIT_, 0, 0);
    if (n == -EAGAIN_) return;
    if (n < 0) continue;                     /* e.g. ECONNREFUSED from an ICMP error: keep going */
    u->last = now_ms();
    struct sin c = {AF_INET_, u->cport, u->cip, {0}};
    SC(SYS_sendto, l->fd, dgram, n, MSG_DONTWAIT_ | MSG_NOSIGNAL_, &c, sizeof c);
  }
}

/* ---- listeners and snapshots --------------------------------------------------------------- */

static void close_listener(struct listener *l) {
  u32 slot = (u32)(l - ls);
  sayport("stopped listening on ", l->udp, l->port, 0);
  arm(l, 0);
  l->fd = close_fd(l->fd);
  l->gen++;
  if (l->udp) {
    for (u32 i = 0; i < udp_hwm; i++) if (udp[i].used && udp[i].lslot == slot) udp_free_session(&udp[i]);
  }
  /* TCP connections outlive their listener; pending connects just get no retries (gen). */
}

static int open_listener(struct listener *l, struct svcport *sp) {
  if (fds_used + 1 >= fd_limit) { sayport("no file descriptor left for ", sp->udp, sp->port, 0); return 0; }
  i64 fd = SC(SYS_socket, AF_INET_, (sp->udp ? SOCK_DGRAM_ : SOCK_STREAM_) | SOCK_NONBLOCK_ | SOCK_CLOEXEC_,
              0, 0, 0, 0);
  if (fd < 0) { sayport("cannot open a socket for ", sp->udp, sp->port, fd); return 0; }
  fds_used++;
  setint((int)fd, SOL_SOCKET_, SO_REUSEADDR_, 1);
  struct sin a = {AF_INET_, (u16)(sp->port >> 8 | sp->port << 8), 0, {0}};
  i64 r = SC(SYS_bind, fd, &a, sizeof a, 0, 0, 0);
  if (r == 0 && !sp->udp) r = SC(SYS_listen, fd, 4096, 0, 0, 0, 0);
  if (r < 0) { sayport("cannot listen on ", sp->udp, sp->port, r); close_fd((int)fd); return 0; }
  l->fd = (int)fd;
  l->udp = sp->udp;
  l->port = sp->port;
  l->armed = 0;
  l->rr = 0;
  if (sp->udp || !paused) arm(l, 1);
  sayport("listening on ", sp->udp, sp->port, 0);
  return 1;
}

static void apply_snapshot(void) {
  struct config *t = cur; cur = next; next = t;
  for (u32 i = 0; i < MAX_PORTS; i++) {
    struct listener *l = &ls[i];
    if (l->fd < 0) continue;
    u32 j = 0;
    while (j < cur->nports && (cur->ports[j].udp != l->udp || cur->ports[j].port != l->port)) j++;
    if (j < cur->nports) l->cfgidx = j;
    else close_listener(l);
  }
  for (u32 j = 0; j < cur->nports; j++) {
    struct svcport *sp = &cur->ports[j];
    u32 i = 0, free = MAX_PORTS;
    for (; i < MAX_PORTS; i++) {
      if (ls[i].fd >= 0 && ls[i].udp == sp->udp && ls[i].port == sp->port) break;
      if (ls[i].fd < 0 && free == MAX_PORTS) free = i;
    }
    if (i < MAX_PORTS || free == MAX_PORTS) continue;
    if (open_listener(&ls[free], sp)) ls[free].cfgidx = j;
  }
  bzero_(next, 12);                          /* nports, neps, affinity_secs */
  char num[24]; *utoa_(num, ++snapshots) = 0;
  say(1, "applied ", num, 0, 0);
}

/* Parses a decimal number in [lo, hi] ending at a NUL or `stop`; returns the end or 0. */
static const char *num(const char *s, char stop, u32 lo, u32 hi, u32 *out) {
  u64 v = 0; const char *p = s;
  while (*p >= '0' && *p <= '9' && p - s < 10) v = v * 10 + (u64)(*p++ - '0');
  if (p == s || (*p && *p != stop) || v < lo || v > hi) return 0;
  *out = (u32)v;
  return p;
}

static int parse_ep(const char *s, struct ep *e) {
  u32 ip = 0, v, port;
  for (int i = 0; i < 4; i++) {
    s = num(s, i < 3 ? '.' : ':', 0, 255, &v);
    if (!s || !*s) return 0;
    ip = ip << 8 | v;
    s++;
  }
  if (!num(s, 0, 1, 65535, &port)) return 0;
  e->ip = ip >> 24 | (ip >> 8 & 0xff00) | (ip << 8 & 0xff0000) | ip << 24;
  e->port = (u16)(port >> 8 | port << 8);
  return 1;
}

static int streq(const char *a, const char *b) {
  while (*a && *a == *b) { a++; b++; }
  return *a == *b;
}

/* One input line (NUL-terminated, no newline). Invalid lines are reported and skipped. */
static void config_line(char *line) {
  char *tok[MAX_EPS + 4]; u32 nt = 0;
  static char copy_[160];
  u32 k = 0;
  for (; line[k] && k < sizeof copy_ - 4; k++) copy_[k] = line[k];
  if (line[k]) { copy_[k++] = '.'; copy_[k++] = '.'; copy_[k++] = '.'; }
  copy_[k] = 0;
  for (char *p = line; *p;) {
    while (*p == ' ' || *p == '\t' || *p == '\r') *p++ = 0;
    if (!*p) break;
    if (nt == MAX_EPS + 4) { LOG("ignored (too many fields): ", copy_, 0); return; }
    tok[nt++] = p;
    while (*p && *p != ' ' && *p != '\t' && *p != '\r') p++;
  }
  if (!nt || tok[0][0] == '#') return;
  const char *why = "unknown keyword";
  if (streq(tok[0], "end") && nt == 1) { apply_snapshot(); return; }
  if (streq(tok[0], "affinity")) {
    u32 secs;
    if (nt == 2 && streq(tok[1], "none")) { next->affinity_secs = 0; return; }
    if (nt == 3 && streq(tok[1], "clientip") && num(tok[2], 0, 1, 86400, &secs)) {
      next->affinity_secs = secs;
      return;
    }
    why = "expected: affinity clientip SECONDS (1-86400) | affinity none";
  } else if (streq(tok[0], "tcp") || streq(tok[0], "udp")) {
    u32 port;
    u8 isudp = tok[0][0] == 'u';
    why = "expected: tcp|udp PORT [A.B.C.D:PORT...]";
    if (nt >= 2 && num(tok[1], 0, 1, 65535, &port)) {
      u32 j = 0;
      while (j < next->nports && (next->ports[j].udp != isudp || next->ports[j].port != port)) j++;
      if (j < next->nports) why = "duplicate port";
      else if (next->nports == MAX_PORTS) why = "too many ports";
      else if (next->neps + (nt - 2) > MAX_EPS) why = "too many endpoints";
      else {
        u32 first = next->neps, i = 2;
        for (; i < nt && parse_ep(tok[i], &next->eps[next->neps]); i++) next->neps++;
        if (i == nt) {
          struct svcport *sp = &next->ports[next->nports++];
          sp->udp = isudp; sp->port = (u16)port; sp->first = first; sp->n = nt - 2;
          return;
        }
        next->neps = first;
        why = "bad endpoint (expected A.B.C.D:PORT)";
      }
    }
  }
  say(2, "kbox-agent: ignored line \"", copy_, "\": ", why);
}

/* ---- stdin --------------------------------------------------------------------------------- */

#define LINE_MAX_ 131072
static char inbuf[LINE_MAX_ + 1];
static u32 inlen;
static int discarding;                       /* inside an over-long line */

/* Reads once from stdin; returns 0 at EOF or on a read error. */
static int stdin_read(void) {
  i64 n = SC(SYS_read, 0, inbuf + inlen, LINE_MAX_ - inlen, 0, 0, 0);
  if (n == -EINTR_ || n == -EAGAIN_) return 1;
  if (n <= 0) {
    if (inlen || next->nports || next->affinity_secs) LOG("stdin closed inside a snapshot; discarded it", 0, 0);
    LOG("stdin closed; serving the last snapshot", 0, 0);
    bzero_(next, 12);
    inlen = 0;
    return 0;
  }
  inlen += (u32)n;
  u32 start = 0;
  for (u32 i = 0; i < inlen; i++) {
    if (inbuf[i] != '\n') continue;
    inbuf[i] = 0;
    if (!discarding) config_line(inbuf + start);
    discarding = 0;
    start = i + 1;
  }
  if (start) { bcopy_(inbuf, inbuf + start, inlen - start); inlen -= start; }
  if (inlen == LINE_MAX_) {
    if (!discarding) LOG("ignored an over-long line", 0, 0);
    discarding = 1;
    inlen = 0;
  }
  return 1;
}

/* ---- main ---------------------------------------------------------------------------------- */

static void timeouts(u64 now) {
  if (n_connecting)
    for (u32 i = 0; i < tcp_hwm; i++)
      if (tcp[i].state == S_CONNECTING && tcp[i].bfd >= 0 && now >= tcp[i].deadline) tcp_try(&tcp[i]);
  if (n_udp)
    for (u32 i = 0; i < udp_hwm; i++)
      if (udp[i].used && now - udp[i].last >= UDP_IDLE_MS) udp_free_session(&udp[i]);
  if (paused && n_tcp < MAX_TCP && fds_used + 3 < fd_limit) resume_listeners();
}

__attribute__((used)) int agent_main(void) {
  /* PID 1 duties through a signalfd: SIGINT, SIGTERM -> exit 0; SIGCHLD -> reap. SIGPIPE is
   * blocked too (writes use MSG_NOSIGNAL anyway). Blocked signals are queued even for PID 1. */
  u64 mask = 1ul << (2 - 1) | 1ul << (15 - 1) | 1ul << (17 - 1) | 1ul << (13 - 1);
  SC(SYS_rt_sigprocmask, 0 /* SIG_BLOCK */, &mask, 0, 8, 0, 0);
  u64 sigs = mask & ~(1ul << (13 - 1));
  int sfd = (int)SC(SYS_signalfd4, -1, &sigs, 8, SOCK_NONBLOCK_ | SOCK_CLOEXEC_, 0, 0);

  struct { u64 cur, max; } rl;
  if (SC(SYS_prlimit64, 0, 7 /* RLIMIT_NOFILE */, 0, &rl, 0, 0) == 0) {
    rl.cur = rl.max;
    SC(SYS_prlimit64, 0, 7, &rl, 0, 0, 0);
    SC(SYS_prlimit64, 0, 7, 0, &rl, 0, 0);
    fd_limit = rl.cur > 0x7fffffff ? 0x7fffffff : (u32)rl.cur;
  } else {
    fd_limit = 1024;
  }
  fds_used = 8;                              /* stdio, epoll, signalfd and a margin */
  for (u32 i = 0; i < MAX_PORTS; i++) ls[i].fd = -1;
  tcp_free = ~0u;
  cur = &cfgs[0];
  next = &cfgs[1];

  epfd = (int)SC(SYS_epoll_create1, 02000000, 0, 0, 0, 0, 0);
  if (epfd < 0 || sfd < 0) { LOG("cannot create epoll or signalfd", 0, 0); return 1; }
  u8 m = 0;
  ep_set(sfd, &m, EPOLLIN_, tag(T_SIG, 0, 0));
  struct epev sev = {EPOLLIN_, tag(T_STDIN, 0, 0)};
  i64 r = SC(SYS_epoll_ctl, epfd, EPOLL_CTL_ADD_, 0, &sev, 0, 0);
  if (r == -EPERM_) while (stdin_read()) {}  /* a regular file or /dev/null: read it all now */
  LOG("started", 0, 0);

  struct epev evs[64];
  u64 next_tick = 0;
  for (;;) {
    int timeout = n_connecting || n_udp || paused ? 100 : -1;
    i64 n = SC(SYS_epoll_wait, epfd, evs, 64, timeout, 0, 0);
    for (i64 k = 0; k < n; k++) {
      u64 d = evs[k].data;
      u32 type = (u32)(d >> 56), idx = (u32)(d >> 32) & 0xffffff, gen = (u32)d;
      if (type == T_SIG) {
        struct { u32 signo; u8 rest[124]; } si;
        while (SC(SYS_read, sfd, &si, sizeof si, 0, 0, 0) == sizeof si) {
          if (si.signo == 2 || si.signo == 15) { LOG("exiting on signal", 0, 0); return 0; }
          while (SC(SYS_wait4, -1, 0, 1 /* WNOHANG */, 0, 0, 0) > 0) {}
        }
      } else if (type == T_STDIN) {
        if (!stdin_read()) {
          struct epev ev = {0, 0};
          SC(SYS_epoll_ctl, epfd, EPOLL_CTL_DEL_, 0, &ev, 0, 0);
        }
      } else if (type == T_LISTEN) {
        struct listener *l = &ls[idx];
        if (l->fd < 0 || l->gen != gen) continue;
        if (l->udp) udp_listen_event(l);
        else tcp_accept(l);
      } else if (type == T_CLIENT || type == T_BACKEND) {
        tcp_event(idx, gen, evs[k].events);
      } else if (type == T_UDP) {
        udp_event(idx, gen);
      }
    }
    if (timeout >= 0) {
      u64 now = now_ms();
      if (now >= next_tick) { timeouts(now); next_tick = now + 100; }
    }
  }
}

__asm__(".text\n.globl _start\n_start:\n"
        "  xor %ebp, %ebp\n"
        "  and $-16, %rsp\n"
        "  call agent_main\n"
        "  mov %eax, %edi\n"
        "  mov $231, %eax\n"         /* exit_group */
        "  syscall\n");
