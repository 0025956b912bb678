// @ts-check
// The machine's raw fan-out ceiling: plain TCP sockets, one newline-terminated message of the
// same size as a socket.io delivery frame written to every socket. `server` (one per socket.io
// server it stands for) and `clients` run as separate processes, like the servers and their load
// generator. `measureTcpCeiling` (below) drives them: warm-up, then several timed repetitions.
import { connect, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { now, percentiles, round, sleep, until } from './stats.mjs';

// Forked as a process with a role, or imported by the coordinator (no role: nothing runs here).
const role = process.argv[1] === fileURLToPath(import.meta.url) ? process.argv[2] : undefined;
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

if (role)
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

if (role) {
  process.once('SIGTERM', () => process.exit(0));
  process.channel?.ref();
}
if (role === 'clients') process.send?.({ type: 'ready' });

/**
 * A steady measurement of the ceiling, bounded in count and time: `servers` server processes
 * (as many as the socket.io servers compared), each holding an equal share of `sockets`, write
 * every message to all of theirs at once. One warm-up round (discarded; it also sizes the rounds),
 * then `repetitions` timed rounds of at least `windowMs` each (at most `maxMessages` messages a
 * round). Reports the median rate with its spread (min, max).
 * @param {{ startChild: typeof import('./processes.mjs').startChild, sockets: number, servers: number, frameBytes: number,
 *   addresses: string[], repetitions: number, windowMs: number, minMessages: number, maxMessages: number }} options
 */
export async function measureTcpCeiling(options) {
  const { sockets, frameBytes } = options;
  const servers = await Promise.all(
    Array.from({ length: options.servers }, (_, i) =>
      options.startChild(`tcp-server-${i + 1}`, 'tcp-ceiling.mjs', { args: ['server'] }),
    ),
  );
  const clients = await options.startChild('tcp-clients', 'tcp-ceiling.mjs', { args: ['clients'] });
  try {
    const share = Math.ceil(sockets / servers.length);
    for (const [i, server] of servers.entries())
      await clients.request(
        {
          cmd: 'connect',
          port: server.ready.port,
          count: Math.min(share, sockets - i * share),
          addresses: options.addresses,
        },
        120_000,
      );
    const held = async () =>
      (await Promise.all(servers.map((server) => server.request({ cmd: 'count' })))).reduce(
        (sum, c) => sum + c.sockets,
        0,
      );
    if (!(await until(async () => (await held()) >= sockets, 30_000, 100)))
      throw new Error(`raw TCP: ${await held()} of ${sockets} sockets connected within 30 s`);

    /** One round: every server writes `messages` frames to each of its sockets; deliveries/s at the clients. */
    const timedRound = async (/** @type {number} */ messages) => {
      const before = (await clients.request({ cmd: 'count' })).received;
      const blasts = await Promise.all(
        servers.map((server) => server.request({ cmd: 'blast', messages, size: frameBytes }, 120_000)),
      );
      const expected = before + sockets * messages;
      if (!(await until(async () => (await clients.request({ cmd: 'count' })).received >= expected, 60_000, 20)))
        throw new Error(`raw TCP: a round of ${messages} messages was not received within 60 s`);
      const counted = await clients.request({ cmd: 'count' });
      const seconds = (counted.lastAt - Math.min(...blasts.map((b) => b.startedAt))) / 1000;
      return { messages, delivered: sockets * messages, seconds, perSecond: (sockets * messages) / seconds };
    };
    const warmUp = await timedRound(options.minMessages);
    // Rounds long enough to dwarf the start-up of a round (the first writes, the 20 ms polls).
    const messages = Math.max(
      options.minMessages,
      Math.min(options.maxMessages, Math.ceil((warmUp.perSecond * options.windowMs) / 1000 / sockets)),
    );
    const rounds = [];
    for (let r = 0; r < options.repetitions; r++) rounds.push(await timedRound(messages));
    const rates = rounds.map((r) => r.perSecond);
    const median = percentiles(rates, [50])['p50'] ?? NaN;
    return {
      servers: servers.length,
      sockets,
      frameBytes,
      warmUpPerSecond: round(warmUp.perSecond, 0),
      messagesPerRound: messages,
      deliveredPerRound: sockets * messages,
      roundSeconds: rounds.map((r) => round(r.seconds, 3)),
      roundsPerSecond: rates.map((rate) => round(rate, 0)),
      deliveredPerSecond: round(median, 0),
      minPerSecond: round(Math.min(...rates), 0),
      maxPerSecond: round(Math.max(...rates), 0),
      delivered: rounds.reduce((sum, r) => sum + r.delivered, 0),
    };
  } finally {
    await Promise.all([...servers.map((server) => server.stop()), clients.stop()]);
  }
}
