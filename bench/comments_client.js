'use strict';
/*
 * Load client for bench/comments.py: many Socket.IO v5 / Engine.IO v4 sockets over websocket,
 * spoken directly with the `ws` package (bench/package.json), as a browser page would: the
 * session cookie, an Origin and a User-Agent on the upgrade request, permessage-deflate offered.
 *
 * Why not python-socketio: its client costs 100-170 µs of CPU per delivery, twice the server,
 * so on a shared machine the clients, not the server, set the latency. This one parses only
 * what it needs (a comment's bench tag, acks) and costs a few µs per delivery.
 *
 * Driven over stdin/stdout, one JSON command per line: {"cmd": name, "args": {...}}; each
 * answer is one JSON line. Latencies are CLOCK_MONOTONIC (process.hrtime, as Python's
 * time.monotonic_ns) from the poster's stamp in the comment's body to the `comment.new` here.
 */

const readline = require('readline');
const WebSocket = require('ws');

const FILLER =
  'Đề nghị bổ sung vào mục 3 chỉ tiêu cụ thể về chuyển đổi số của thôn, ' +
  'giao đồng chí phó bí thư theo dõi và báo cáo kết quả tại kỳ họp sau.';

const now = () => Number(process.hrtime.bigint());
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

let settings = { userAgent: 'bench-comments/2.0 (ws)', deflate: 'all' };

/* One Engine.IO/Socket.IO connection on the "/" namespace. */
class Sock {
  constructor(url, cookie, index) {
    this.url = url;
    this.cookie = cookie;
    this.index = index;
    this.ws = null;
    this.ackId = 0;
    this.acks = new Map();
    this.joined = false;
    this.got = []; // [key, receive ns, sent ns] of bench comments, while recording
    this.dropped = null;
    this.closing = false;
  }

  open(timeoutMs = 60000) {
    return new Promise((resolve, reject) => {
      const target = this.url.replace(/^http/, 'ws') + '/socket.io/?EIO=4&transport=websocket';
      const deflate =
        settings.deflate === 'off'
          ? false
          : { threshold: settings.deflate === 'all' ? 0 : 1024 };
      const ws = new WebSocket(target, {
        headers: { Cookie: `session=${this.cookie}`, 'User-Agent': settings.userAgent },
        origin: this.url,
        perMessageDeflate: deflate,
        handshakeTimeout: timeoutMs,
      });
      this.ws = ws;
      let done = false;
      const finish = (error) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve(this);
      };
      const timer = setTimeout(() => finish(new Error('connect timeout')), timeoutMs);
      ws.on('message', (data) => {
        const text = data.toString();
        const type = text.charCodeAt(0);
        if (type === 52 /* 4: message */) {
          this.onMessage(text, finish);
        } else if (type === 50 /* 2: ping */) {
          ws.send('3');
        } else if (type === 48 /* 0: open */) {
          ws.send('40');
        }
      });
      ws.on('error', (error) => finish(error));
      ws.on('unexpected-response', (_req, res) => finish(new Error(`HTTP ${res.statusCode}`)));
      ws.on('close', (code) => {
        finish(new Error(`closed ${code} before connecting`));
        for (const [, cb] of this.acks) cb(null);
        this.acks.clear();
        if (!this.closing && this.dropped === null) {
          this.dropped = `${new Date().toISOString().slice(11, 19)} close ${code}`;
        }
      });
    });
  }

  onMessage(text, connected) {
    const kind = text.charCodeAt(1);
    if (kind === 50 /* 42: event */) {
      if (text.startsWith('42["comment.new"')) this.onComment(text);
    } else if (kind === 51 /* 43: ack */) {
      const open = text.indexOf('[');
      const id = Number(text.slice(2, open));
      const cb = this.acks.get(id);
      if (cb) {
        this.acks.delete(id);
        cb(JSON.parse(text.slice(open))[0]);
      }
    } else if (kind === 48 /* 40: connected */) {
      connected(null);
    } else if (kind === 52 /* 44: refused */) {
      connected(new Error(`refused: ${text.slice(2, 200)}`));
    } else if (kind === 49 /* 41: disconnected by the server */) {
      if (this.dropped === null) this.dropped = 'server disconnect';
    }
  }

  onComment(text) {
    if (!recording) return;
    const at = now();
    // The body starts with bench:<tag>:<key>:<sent ns>; nothing else needs parsing.
    const start = text.indexOf('"body":"bench:');
    if (start < 0) return;
    const end = text.indexOf(' ', start);
    const parts = text.slice(start + 14, end).split(':');
    if (parts.length !== 3) return;
    this.got.push(parts[0], parts[1], at, Number(parts[2]));
  }

  call(event, data, timeoutMs = 60000) {
    return new Promise((resolve) => {
      const id = this.ackId++;
      const timer = setTimeout(() => {
        this.acks.delete(id);
        resolve(null);
      }, timeoutMs);
      this.acks.set(id, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      this.ws.send(`42${id}${JSON.stringify([event, data])}`);
    });
  }

  close() {
    return new Promise((resolve) => {
      this.closing = true;
      const ws = this.ws;
      if (!ws || ws.readyState === WebSocket.CLOSED) return resolve();
      ws.once('close', () => resolve());
      ws.close(1000);
      setTimeout(() => {
        ws.terminate();
        resolve();
      }, 10000);
    });
  }
}

let readers = [];
let posters = [];
let recording = false;
const lags = [];

async function gate(items, width, work) {
  let next = 0;
  const runners = [];
  for (let k = 0; k < Math.min(width, items.length); k++) {
    runners.push(
      (async () => {
        while (next < items.length) await work(items[next++]);
      })()
    );
  }
  await Promise.all(runners);
}

async function join(sock, document, after) {
  const ack = await sock.call('comments.join', { document, after });
  if (ack && ack.ok) {
    sock.joined = true;
    return null;
  }
  return JSON.stringify(ack).slice(0, 200);
}

const commands = {
  configure(args) {
    settings = { ...settings, ...args };
    return { ok: true };
  },

  /* Open (and, like a page, join at once) each [index, url, cookie]; `width` at a time. */
  async connect_readers({ items, document = null, after = null, width = 100 }) {
    const errors = [];
    const started = now();
    let connected = 0;
    let joined = 0;
    await gate(items, width, async ([index, url, cookie]) => {
      const sock = new Sock(url, cookie, index);
      try {
        await sock.open();
      } catch (error) {
        errors.push(String(error.message || error));
        return;
      }
      connected++;
      readers.push(sock);
      if (document !== null) {
        const refused = await join(sock, document, after);
        if (refused) errors.push(refused);
        else joined++;
      }
    });
    return {
      connected,
      joined,
      failed: errors.length,
      errors: errors.slice(0, 5),
      seconds: (now() - started) / 1e9,
    };
  },

  async join({ below, document, after }) {
    const errors = [];
    const todo = readers.filter((r) => r.index < below && !r.joined);
    await gate(todo, 50, async (sock) => {
      const refused = await join(sock, document, after);
      if (refused) errors.push(refused);
    });
    return {
      joined: readers.filter((r) => r.joined).length,
      failed: errors.length,
      errors: errors.slice(0, 5),
    };
  },

  /* Close every reader socket; how long until the last close handshake ended. */
  async close_readers() {
    const started = now();
    await Promise.all(readers.map((r) => r.close()));
    const count = readers.length;
    readers = [];
    return { closed: count, seconds: (now() - started) / 1e9 };
  },

  record() {
    for (const r of readers) r.got = [];
    lags.length = 0;
    recording = true;
    return { ok: true };
  },

  async drain({ expected, wait_s, idle_s = 5 }) {
    const deadline = Date.now() + wait_s * 1000;
    const joined = readers.filter((r) => r.joined);
    let count = -1;
    let moved = Date.now();
    const full = () => joined.every((r) => r.got.length >= expected * 4);
    while (Date.now() < deadline && Date.now() - moved < idle_s * 1000 && !full()) {
      const total = joined.reduce((sum, r) => sum + r.got.length, 0);
      if (total !== count) {
        count = total;
        moved = Date.now();
      }
      await sleep(50);
    }
    return { complete: full() };
  },

  collect({ tag, expected }) {
    recording = false;
    const wanted = new Set(expected);
    const latencies = [];
    let lost = 0;
    let dup = 0;
    let unexpected = 0;
    let received = 0;
    let short = 0;
    let lastReceive = 0;
    const dropped = readers.filter((r) => r.dropped).map((r) => r.dropped);
    let count = 0;
    for (const r of readers) {
      if (!r.joined) continue;
      count++;
      const seen = new Map();
      for (let i = 0; i < r.got.length; i += 4) {
        if (r.got[i] !== tag) continue;
        const key = r.got[i + 1];
        received++;
        const n = (seen.get(key) || 0) + 1;
        seen.set(key, n);
        if (n === 1) latencies.push((r.got[i + 2] - r.got[i + 3]) / 1e6);
        if (r.got[i + 2] > lastReceive) lastReceive = r.got[i + 2];
      }
      let missing = 0;
      for (const key of wanted) if (!seen.has(key)) missing++;
      lost += missing;
      if (missing) short++;
      for (const [key, n] of seen) {
        dup += n - 1;
        if (!wanted.has(key)) unexpected++;
      }
    }
    const sortedLags = lags.slice().sort((a, b) => a - b);
    const pick = (q) =>
      sortedLags.length ? sortedLags[Math.min(sortedLags.length - 1, Math.ceil(q * sortedLags.length) - 1)] : NaN;
    return {
      latencies: Buffer.from(new Float64Array(latencies).buffer).toString('base64'),
      lost,
      dup,
      unexpected,
      received,
      readers: count,
      readers_short: short,
      dropped: dropped.length,
      dropped_why: dropped.slice(0, 3),
      last_receive: lastReceive,
      lag_p99: pick(0.99),
      lag_max: sortedLags.length ? sortedLags[sortedLags.length - 1] : NaN,
    };
  },

  async connect_posters({ url, cookie, count }) {
    for (let k = 0; k < count; k++) {
      const sock = new Sock(url, cookie, -1);
      await sock.open();
      posters.push(sock);
    }
    return { posters: posters.length };
  },

  /* One poster, `count` comments on a fixed schedule; acks do not hold the next one. */
  async post_paced({ tag, document, count, interval }) {
    const sock = posters[0];
    const sent = [];
    const pending = [];
    const created = [];
    const ackMs = [];
    const ids = [];
    const start = Date.now() + 100;
    for (let k = 0; k < count; k++) {
      const delay = start + k * interval * 1000 - Date.now();
      if (delay > 0) await sleep(delay);
      const key = `p0-${k}`;
      const at = now();
      sent.push(at);
      pending.push(
        sock
          .call('comment.post', {
            document,
            client_id: `${tag}-${key}`,
            body: `bench:${tag}:${key}:${at} ${FILLER}`,
          })
          .then((ack) => {
            ackMs.push((now() - at) / 1e6);
            if (ack && ack.ok && ack.created) {
              created.push(key);
              ids.push(ack.comment.id);
            }
          })
      );
    }
    await Promise.all(pending);
    return {
      sent: sent.length,
      created,
      ack_ms: ackMs,
      first_sent: sent[0],
      last_sent: sent[sent.length - 1],
      max_id: ids.length ? Math.max(...ids) : 0,
    };
  },

  /* Every poster posts, waits for its ack, posts again, until the time is up. */
  async post_flat_out({ tag, document, seconds }) {
    const created = [];
    const failed = [];
    const ackMs = [];
    const ids = [];
    const firstSent = now();
    let lastSent = firstSent;
    const deadline = Date.now() + seconds * 1000;
    await Promise.all(
      posters.map(async (sock, number) => {
        for (let k = 0; Date.now() < deadline; k++) {
          const key = `p${number}-${k}`;
          const at = now();
          lastSent = Math.max(lastSent, at);
          const ack = await sock.call('comment.post', {
            document,
            client_id: `${tag}-${key}`,
            body: `bench:${tag}:${key}:${at} ${FILLER}`,
          }, 30000);
          ackMs.push((now() - at) / 1e6);
          if (ack && ack.ok && ack.created) {
            created.push(key);
            ids.push(ack.comment.id);
          } else {
            failed.push(JSON.stringify(ack).slice(0, 200));
          }
        }
      })
    );
    return {
      sent: created.length + failed.length,
      created,
      failed: failed.length,
      errors: failed.slice(0, 5),
      ack_ms: ackMs,
      first_sent: firstSent,
      last_sent: lastSent,
      max_id: ids.length ? Math.max(...ids) : 0,
      seconds,
    };
  },
};

/* Event-loop lag: a 5 ms timer's lateness, while recording. */
(function monitor() {
  const step = 5;
  let last = Date.now();
  setInterval(() => {
    const t = Date.now();
    if (recording) lags.push(t - last - step);
    last = t;
  }, step).unref();
})();

const input = readline.createInterface({ input: process.stdin });
let chain = Promise.resolve();
input.on('line', (line) => {
  chain = chain.then(async () => {
    const { cmd, args } = JSON.parse(line);
    if (cmd === 'stop') {
      await Promise.all([...readers, ...posters].map((s) => s.close()));
      process.stdout.write(JSON.stringify({ stopped: true }) + '\n');
      process.exit(0);
    }
    let answer;
    try {
      answer = await commands[cmd](args || {});
    } catch (error) {
      answer = { error: `${cmd}: ${error.stack || error}` };
    }
    process.stdout.write(JSON.stringify(answer) + '\n');
  });
});
input.on('close', () => chain.then(() => process.exit(0)));
