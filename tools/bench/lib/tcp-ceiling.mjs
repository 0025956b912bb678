// @ts-check
// The machine's raw fan-out ceiling: plain TCP sockets, one newline-terminated message of the
// same size as a socket.io delivery frame written to every socket. `server` and `clients` run
// as two processes, like a socket.io server and its load generator.
import { connect, createServer } from 'node:net';
import { now, sleep } from './stats.mjs';

const role = process.argv[2];
/** @type {import('node:net').Socket[]} */
const sockets = [];
let received = 0;
let firstAt = 0;
let lastAt = 0;

if (role === 'server') {
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    sockets.push(socket);
    socket.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.send?.({ type: 'ready', port: typeof address === 'object' && address ? address.port : 0 });
  });
}

/** @param {{ port: number, count: number, addresses: string[] }} command */
async function connectClients(command) {
  for (let i = 0; i < command.count; i++) {
    const socket = connect({
      port: command.port,
      host: '127.0.0.1',
      localAddress: command.addresses[i % command.addresses.length],
    });
    socket.setNoDelay(true);
    socket.on('data', (data) => {
      let lines = 0;
      for (const byte of data) if (byte === 10) lines++;
      if (lines) {
        const t = now();
        received += lines;
        if (!firstAt) firstAt = t;
        lastAt = t;
      }
    });
    socket.on('error', () => undefined);
    sockets.push(socket);
    if (i % 200 === 199) await sleep(5);
  }
  return {};
}

/** @param {{ messages: number, size: number }} command */
async function blast(command) {
  const frame = Buffer.alloc(command.size, 0x61);
  frame[command.size - 1] = 10;
  const startedAt = now();
  for (let m = 0; m < command.messages; m++) {
    let pressure = false;
    for (const socket of sockets) if (!socket.write(frame)) pressure = true;
    // Yield like a server must: let the kernel drain before the next message.
    if (pressure) await sleep(1);
    else await new Promise((resolve) => setImmediate(resolve));
  }
  return { startedAt, sockets: sockets.length };
}

process.on('message', (/** @type {any} */ message) => {
  if (!message || message.probe || message.id === undefined) return;
  const reply = (/** @type {object} */ body) => process.send?.({ id: message.id, ...body });
  const handle = async () => {
    switch (message.cmd) {
      case 'connect':
        return connectClients(message);
      case 'count':
        return { sockets: sockets.length, received, firstAt, lastAt };
      case 'blast':
        return blast(message);
      default:
        throw new Error(`unknown command ${message.cmd}`);
    }
  };
  handle().then(reply, (error) => reply({ error: String(error) }));
});

process.once('SIGTERM', () => process.exit(0));
process.channel?.ref();
if (role === 'clients') process.send?.({ type: 'ready' });
