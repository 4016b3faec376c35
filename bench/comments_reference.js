'use strict';
/*
 * The reference for bench/comments.py: a minimal Socket.IO v5 / Engine.IO v4 server over the
 * `ws` package, websocket transport only, speaking exactly what the load client and the page
 * speak: the handshake, pings every 25 s, `comments.join` (joins the document's room, acks) and
 * `comment.post` (an id, the `comment.new` broadcast framed once for the whole room, the ack).
 * Nothing is stored, no one is signed in, nothing is checked: what the transport alone costs
 * in Node.js, the floor the product is compared with (a socket.io server is not installed).
 *
 * Like socket.io 4's default it declines permessage-deflate. Listens on 127.0.0.1:PORT.
 */

const http = require('http');
const crypto = require('crypto');
const WebSocket = require('ws');

const port = Number(process.argv[2] || process.env.PORT || 0);
const PING_INTERVAL = 25000;
const PING_TIMEOUT = 20000;
const rooms = new Map();
let nextId = 1;

const server = http.createServer((req, res) => {
  res.writeHead(req.url === '/login' ? 200 : 404, { 'Content-Type': 'text/plain' });
  res.end('reference');
});
const wss = new WebSocket.Server({ server, path: '/socket.io/', perMessageDeflate: false });

wss.on('connection', (ws) => {
  const sid = crypto.randomBytes(15).toString('base64url');
  let joined = null;
  let pinged = 0;
  ws.send(
    '0' +
      JSON.stringify({
        sid,
        upgrades: [],
        pingInterval: PING_INTERVAL,
        pingTimeout: PING_TIMEOUT,
        maxPayload: 1000000,
      })
  );
  const timer = setInterval(() => {
    if (pinged && Date.now() - pinged > PING_INTERVAL + PING_TIMEOUT) return ws.terminate();
    pinged = pinged || Date.now();
    ws.send('2');
  }, PING_INTERVAL);
  ws.on('close', () => {
    clearInterval(timer);
    if (joined) joined.delete(ws);
  });
  ws.on('message', (data) => {
    const text = data.toString();
    if (text === '3') {
      pinged = 0;
    } else if (text.startsWith('40')) {
      ws.send(`40{"sid":"${crypto.randomBytes(15).toString('base64url')}"}`);
    } else if (text.startsWith('42')) {
      const open = text.indexOf('[');
      const id = text.slice(2, open);
      const [event, payload] = JSON.parse(text.slice(open));
      const ack = (answer) => id && ws.send(`43${id}${JSON.stringify([answer])}`);
      if (event === 'comments.join') {
        const key = `document:${payload.document}`;
        if (!rooms.has(key)) rooms.set(key, new Set());
        if (joined) joined.delete(ws);
        joined = rooms.get(key);
        joined.add(ws);
        ack({ ok: true, document: payload.document, comments: [], changed: [] });
      } else if (event === 'comment.post') {
        const comment = { id: nextId++, document: payload.document, body: payload.body };
        const frame = '42' + JSON.stringify(['comment.new', comment]);
        const room = rooms.get(`document:${payload.document}`);
        if (room) {
          // ws frames each send; socket.io would share one pre-encoded frame: same bytes.
          for (const member of room) member.send(frame);
        }
        ack({ ok: true, created: true, comment });
      } else {
        ack({ ok: false, status: 400 });
      }
    }
  });
});

server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`${server.address().port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
