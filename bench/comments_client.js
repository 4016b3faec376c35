'use strict';
/*
 * Load client for bench/comments.py: many Socket.IO v5 / Engine.IO v4 sockets over websocket,
 * as a browser page would: the session cookie, an Origin and a User-Agent on the upgrade
 * request, permessage-deflate offered (and, with --deflate all, used for every message).
 *
 * Why not python-socketio: its client costs 100-170 µs of CPU per delivery, twice the server,
 * so on a shared machine the clients, not the server, set the latency. This one parses only
 * what it needs (a comment's bench tag, acks) and costs a few µs per delivery.
 *
 * The websocket itself (RFC 6455 and 7692) is spoken here over a plain TCP socket, not with
 * the `ws` package: the clients share the two cores with the server, and `ws` cost about
 * 2 ms of CPU per socket opened (an http.ClientRequest for the upgrade, zlib streams created,
 * reset and run on the thread pool for every two-byte message). What the server receives is
 * the same: a masked frame per message, compressed (RSV1) when deflate was agreed. The server
 * answers client_no_context_takeover, so each message is compressed on its own; one seen
 * before ('40', the pong, a join) is sent as the bytes it compressed to then.
 *
 * Driven over stdin/stdout, one JSON command per line: {"cmd": name, "args": {...}}; each
 * answer is one JSON line. Latencies are CLOCK_MONOTONIC (process.hrtime, as Python's
 * time.monotonic_ns) from the poster's stamp in the comment's body to the `comment.new` here.
 */

const crypto = require('crypto');
const net = require('net');
const readline = require('readline');
const zlib = require('zlib');

const FILLER =
  'Đề nghị bổ sung vào mục 3 chỉ tiêu cụ thể về chuyển đổi số của thôn, ' +
  'giao đồng chí phó bí thư theo dõi và báo cáo kết quả tại kỳ họp sau.';

const now = () => Number(process.hrtime.bigint());
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

let settings = { userAgent: 'bench-comments/2.0 (ws)', deflate: 'all' };

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);
const SYNC = { finishFlush: zlib.constants.Z_SYNC_FLUSH };

/* Masking keys, taken 4 bytes at a time from a random pool (RFC 6455 5.3). */
let pool = Buffer.alloc(0);
let poolAt = 0;
function maskKey() {
  if (poolAt + 4 > pool.length) {
    pool = crypto.randomBytes(4096);
    poolAt = 0;
  }
  poolAt += 4;
  return pool.subarray(poolAt - 4, poolAt);
}

/* A client frame: FIN, the opcode, RSV1 when compressed, masked payload. */
function frame(opcode, payload, compressed = false) {
  const length = payload.length;
  const head = length < 126 ? 6 : length < 65536 ? 8 : 14;
  const out = Buffer.allocUnsafe(head + length);
  out[0] = 0x80 | (compressed ? 0x40 : 0) | opcode;
  if (length < 126) {
    out[1] = 0x80 | length;
  } else if (length < 65536) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(length, 2);
  } else {
    out[1] = 0x80 | 127;
    out.writeUInt32BE(0, 2);
    out.writeUInt32BE(length, 6);
  }
  const key = maskKey();
  key.copy(out, head - 4);
  for (let i = 0; i < length; i++) out[head + i] = payload[i] ^ key[i & 3];
  return out;
}

/* The deflated form of messages sent more than once (each compressed alone: see above). */
const deflated = new Map();
function deflate(text, repeated) {
  let out = repeated ? deflated.get(text) : undefined;
  if (out === undefined) {
    const raw = zlib.deflateRawSync(Buffer.from(text), SYNC);
    out = raw.subarray(0, raw.length - 4); // without the 00 00 ff ff of the sync flush
    if (repeated && deflated.size < 1000) deflated.set(text, out);
  }
  return out;
}

/* One Engine.IO/Socket.IO connection on the "/" namespace. */
class Sock {
  constructor(url, cookie, index) {
    this.url = url;
    this.cookie = cookie;
    this.index = index;
    this.socket = null;
    this.upgraded = false;
    this.deflate = false;
    this.buffer = null;
    this.parts = null; // a fragmented message's frames so far
    this.ackId = 0;
    this.acks = new Map();
    this.joined = false;
    this.got = []; // [key, receive ns, sent ns] of bench comments, while recording
    this.dropped = null;
    this.closing = false;
    this.closed = false;
    this.onClosed = [];
  }

  open(timeoutMs = 60000) {
    return new Promise((resolve, reject) => {
      const { hostname, port, host } = new URL(this.url);
      const key = crypto.randomBytes(16).toString('base64');
      this.accept = crypto.createHash('sha1').update(key + GUID).digest('base64');
      const offer =
        settings.deflate === 'off'
          ? ''
          : 'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n';
      const socket = net.connect({ host: hostname, port: Number(port) });
      socket.setNoDelay(true);
      this.socket = socket;
      let done = false;
      this.finish = (error) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve(this);
      };
      const timer = setTimeout(() => {
        this.finish(new Error('connect timeout'));
        socket.destroy();
      }, timeoutMs);
      socket.write(
        'GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n' +
          `Host: ${host}\r\n` +
          'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n' +
          `Sec-WebSocket-Key: ${key}\r\n${offer}` +
          `Origin: ${this.url}\r\nUser-Agent: ${settings.userAgent}\r\n` +
          `Cookie: session=${this.cookie}\r\n\r\n`
      );
      socket.on('data', (chunk) => this.onData(chunk));
      socket.on('error', (error) => this.finish(error));
      socket.on('close', () => this.onClose());
    });
  }

  onData(chunk) {
    this.buffer = this.buffer ? Buffer.concat([this.buffer, chunk]) : chunk;
    if (!this.upgraded && !this.handshake()) return;
    let at = 0;
    const buf = this.buffer;
    while (buf.length - at >= 2) {
      const b0 = buf[at];
      let length = buf[at + 1] & 0x7f;
      let start = at + 2;
      if (length === 126) {
        if (buf.length - at < 4) break;
        length = buf.readUInt16BE(at + 2);
        start = at + 4;
      } else if (length === 127) {
        if (buf.length - at < 10) break;
        length = buf.readUInt32BE(at + 2) * 2 ** 32 + buf.readUInt32BE(at + 6);
        start = at + 10;
      }
      if (buf.length - start < length) break;
      this.onFrame(b0, buf.subarray(start, start + length));
      at = start + length;
      if (this.closed) return;
    }
    this.buffer = at === buf.length ? null : buf.subarray(at);
  }

  /* The server's answer to the upgrade; false until it is whole. */
  handshake() {
    const end = this.buffer.indexOf('\r\n\r\n');
    if (end < 0) return false;
    const head = this.buffer.toString('latin1', 0, end);
    this.buffer = this.buffer.subarray(end + 4);
    const status = head.slice(9, 12);
    if (status !== '101') {
      this.finish(new Error(`HTTP ${status}`));
      this.socket.destroy();
      return false;
    }
    const lower = head.toLowerCase();
    if (!lower.includes(`sec-websocket-accept: ${this.accept.toLowerCase()}`)) {
      this.finish(new Error('bad Sec-WebSocket-Accept'));
      this.socket.destroy();
      return false;
    }
    this.deflate = /sec-websocket-extensions:[^\r]*permessage-deflate/.test(lower);
    this.upgraded = true;
    return true;
  }

  onFrame(b0, payload) {
    const opcode = b0 & 0x0f;
    if (opcode >= 0x8) {
      if (opcode === 0x9) this.socket.write(frame(0xa, payload)); // ping: pong
      else if (opcode === 0x8) this.onCloseFrame(payload);
      return;
    }
    if (!(b0 & 0x80)) {
      // a fragment: kept until the last one (FIN)
      this.parts = this.parts || { b0, chunks: [] };
      this.parts.chunks.push(Buffer.from(payload));
      return;
    }
    if (this.parts) {
      this.parts.chunks.push(payload);
      payload = Buffer.concat(this.parts.chunks);
      b0 = this.parts.b0;
      this.parts = null;
    }
    if (b0 & 0x40) payload = zlib.inflateRawSync(Buffer.concat([payload, TAIL]), SYNC);
    this.onPacket(payload.toString());
  }

  onPacket(text) {
    const type = text.charCodeAt(0);
    if (type === 52 /* 4: message */) {
      this.onMessage(text, this.finish);
    } else if (type === 50 /* 2: ping */) {
      this.send('3', true);
    } else if (type === 48 /* 0: open */) {
      this.send('40', true);
    }
  }

  send(text, repeated = false) {
    if (this.closed || this.closing) return;
    const compress = this.deflate && (settings.deflate === 'all' || text.length >= 1024);
    const payload = compress ? deflate(text, repeated) : Buffer.from(text);
    this.socket.write(frame(0x1, payload, compress));
  }

  onCloseFrame(payload) {
    if (!this.closing) {
      this.closing = true;
      this.socket.write(frame(0x8, payload.subarray(0, 2)));
      if (this.dropped === null) this.dropped = `${new Date().toISOString().slice(11, 19)} close`;
    }
    this.socket.end();
  }

  onClose() {
    if (this.closed) return;
    this.closed = true;
    this.finish(new Error('closed before connecting'));
    for (const [, cb] of this.acks) cb(null);
    this.acks.clear();
    if (!this.closing && this.dropped === null) {
      this.dropped = `${new Date().toISOString().slice(11, 19)} connection lost`;
    }
    for (const cb of this.onClosed) cb();
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

  call(event, data, timeoutMs = 60000, repeated = false) {
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
      this.send(`42${id}${JSON.stringify([event, data])}`, repeated);
    });
  }

  /* The closing handshake (code 1000); the connection is dropped after 10 s without one. */
  close() {
    return new Promise((resolve) => {
      if (!this.socket || this.closed) return resolve();
      this.onClosed.push(resolve);
      if (!this.closing) {
        this.closing = true;
        this.socket.write(frame(0x8, Buffer.from([0x03, 0xe8])));
      }
      setTimeout(() => {
        this.socket.destroy();
        resolve();
      }, 10000).unref();
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
  const ack = await sock.call('comments.join', { document, after }, 60000, true);
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
    watchLag(true);
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
    watchLag(false);
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

/* Event-loop lag: a 5 ms timer's lateness, while recording (the timer runs only then). */
let monitor = null;
function watchLag(on) {
  if (monitor !== null) clearInterval(monitor);
  monitor = null;
  if (!on) return;
  const step = 5;
  let last = Date.now();
  monitor = setInterval(() => {
    const t = Date.now();
    lags.push(t - last - step);
    last = t;
  }, step);
  monitor.unref();
}

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
