// @ts-check
// Scenario 6 (issue 10): support chat. N tickets, each with its customer on edge 1 and one or two
// agents on edge 2, all subscribed to `ticket:{id}`; messages sent over support-desk's REST API at
// a fixed rate, alternating customer and agent, measured from the POST to the other party's
// socket (REST → support-desk → outbox → Kafka → worker → Redis → edge → client). In the same run:
// typing starts over the socket, the order events' path at the same rate to the same customers,
// and the edge's memory per connection with presence (ticket channels) and without (order channels).
import { Fleet } from '../lib/load-fleet.mjs';
import { measureOrderPath } from '../lib/order-path.mjs';
import { http, openTickets, token } from '../lib/platform.mjs';
import { freePort, openWindow, startService } from '../lib/processes.mjs';
import { latencyCells } from '../lib/report.mjs';
import { now, percentiles, round, sleep, until } from '../lib/stats.mjs';

/** Just above the edge's throttle of one typing start per user and ticket per 2 s, so none is swallowed. */
const TYPING_EVERY_MS = 2_100;

/** @param {import('../bench.mjs').Context} ctx */
export async function supportChat(ctx) {
  const supportUrl = ctx.supportUrl;
  if (!supportUrl) throw new Error('support-desk is not running in this run');
  const ticketCount = ctx.scaled(ctx.full ? 500 : 100);
  const rate = ctx.full ? 200 : 100;
  const seconds = ctx.full ? 30 : 10;
  const customers = Array.from({ length: ticketCount }, (_, i) => `${ctx.run}-sc${i}`);
  // Every ticket has its assignee; every other ticket a second agent watching.
  const assignees = customers.map((_, i) => `${ctx.run}-sa${i}`);
  const watchers = customers.map((_, i) => (i % 2 ? `${ctx.run}-sb${i}` : null));
  ctx.log(`support chat: opening ${ticketCount} tickets`);
  const tickets = await openTickets(supportUrl, customers, assignees);
  /** @type {{ user: string, ticket: number }[]} */
  const agentSockets = assignees.flatMap((user, i) => {
    const watcher = watchers[i];
    return watcher
      ? [
          { user, ticket: i },
          { user: watcher, ticket: i },
        ]
      : [{ user, ticket: i }];
  });
  const [port1, port2] = [await freePort(), await freePort()];
  const edges = [
    await startService('connection-edge', { name: 'edge-1', port: port1, env: { ...ctx.edgeEnv } }),
    await startService('connection-edge', { name: 'edge-2', port: port2, env: { ...ctx.edgeEnv } }),
  ];
  const customerFleet = await Fleet.start(ticketCount, { ...ctx.jwt, roles: ['customer'] }, 'load-customers');
  const agentFleet = await Fleet.start(agentSockets.length, { ...ctx.jwt, roles: ['agent'] }, 'load-agents');
  const fleets = [customerFleet, agentFleet];
  /** @type {Record<string, any>} */
  const results = {};
  try {
    const customerConnect = await customerFleet.connect({
      url: `http://127.0.0.1:${port1}`,
      users: customers,
      channels: tickets.map((id) => [`ticket:${id}`]),
      bare: false,
      timeoutMs: 60_000,
    });
    const agentConnect = await agentFleet.connect({
      url: `http://127.0.0.1:${port2}`,
      users: agentSockets.map((a) => a.user),
      channels: agentSockets.map((a) => [`ticket:${tickets[a.ticket]}`]),
      bare: false,
      timeoutMs: 60_000,
    });
    // One `presence.state` follows each ticket subscribe's ack; wait (bounded) for the last ones.
    const snapshots = async () =>
      (await Promise.all(fleets.map((fleet) => fleet.report(false)))).reduce((sum, r) => sum + r.presenceStates, 0);
    await until(async () => (await snapshots()) >= customerConnect.ok + agentConnect.ok, 5_000, 200);
    const presenceStates = await snapshots();
    results.sockets = {
      customers: { ...customerConnect, connectMs: undefined, total: ticketCount },
      agents: { ...agentConnect, connectMs: undefined, total: agentSockets.length },
      presenceStates,
    };
    ctx.log(
      `support chat: ${customerConnect.ok}/${ticketCount} customers on edge-1, ${agentConnect.ok}/${agentSockets.length} agents on edge-2 subscribed; ${presenceStates} presence snapshots`,
    );
    await Promise.all(fleets.map((fleet) => fleet.reset()));

    // --- chat: messages over REST, alternating customer and assignee per ticket; typing beside them
    const total = rate * seconds;
    const window = await openWindow(
      [ctx.services.orders, ctx.services.support, ctx.services.worker, ...edges, ...fleets.flatMap((f) => f.workers)],
      ctx.pids,
    );
    /** @type {Map<string, { at: number, ticket: number, byCustomer: boolean }>} clientMessageId → when, where, by whom */
    const sent = new Map();
    /** @type {Promise<unknown>[]} */
    const pending = [];
    /** @type {number[]} */
    const responseMs = [];
    let accepted = 0;
    let refused = 0;
    /** @type {Map<string, string>} */
    const bearer = new Map();
    customers.forEach((user) => bearer.set(user, token(user)));
    assignees.forEach((user) => bearer.set(user, token(user, ['agent'])));
    // Both sides of every ticket are active senders: each announces typing once per period, the
    // typists spread evenly over it (a steady stream, as many independent users make, not bursts).
    const typists = [
      ...customers.map((user, i) => ({ fleet: customerFleet, user, ticketId: tickets[i] })),
      ...assignees.map((user, i) => ({ fleet: agentFleet, user, ticketId: tickets[i] })),
    ];
    const started = now();
    let typed = 0;
    let k = 0;
    while (k < total && now() - started < seconds * 1000 + 5_000) {
      const due = Math.min(total, Math.floor(((now() - started) / 1000) * rate));
      for (; k < due; k++) {
        const ticket = k % ticketCount;
        const byCustomer = Math.floor(k / ticketCount) % 2 === 0;
        const author = byCustomer ? customers[ticket] : assignees[ticket];
        const clientMessageId = `${ctx.run}-m${k}`;
        const t0 = now();
        sent.set(clientMessageId, { at: t0, ticket, byCustomer });
        pending.push(
          http('POST', `${supportUrl}/tickets/${tickets[ticket]}/messages`, bearer.get(author) ?? '', {
            clientMessageId,
            text: `bench message ${k}`,
            visibility: 'public',
          }).then((r) => {
            responseMs.push(now() - t0);
            if (r.status === 201) accepted++;
            else {
              refused++;
              sent.delete(clientMessageId);
            }
          }),
        );
      }
      const typingDue = Math.floor(((now() - started) / TYPING_EVERY_MS) * typists.length);
      for (const fleet of fleets) {
        const batch = [];
        for (let j = typed; j < typingDue; j++)
          if (typists[j % typists.length].fleet === fleet) batch.push(typists[j % typists.length]);
        if (batch.length) pending.push(fleet.typing(batch.map(({ user, ticketId }) => ({ user, ticketId }))));
      }
      typed = Math.max(typed, typingDue);
      await sleep(2);
    }
    await Promise.all(pending);
    // Who should get each message: the other party's sockets (the agents', or the customer's).
    const isCustomer = new Set(customers);
    const agentsPerTicket = tickets.map((_, i) => agentSockets.filter((a) => a.ticket === i).length);
    /** @param {Awaited<ReturnType<Fleet['report']>>[]} reports */
    const tally = (reports) => {
      const side = () => ({
        messages: 0,
        expected: 0,
        delivered: 0,
        duplicates: 0,
        latency: /** @type {number[]} */ ([]),
        fromEventTime: /** @type {number[]} */ ([]),
      });
      const out = { toAgent: side(), toCustomer: side() };
      for (const message of sent.values()) {
        const to = message.byCustomer ? out.toAgent : out.toCustomer;
        to.messages++;
        to.expected += message.byCustomer ? agentsPerTicket[message.ticket] : 1;
      }
      const seen = new Set();
      for (const report of reports)
        for (const [clientMessageId, user, at, eventId, eventTime] of report.chatMessages) {
          const message = sent.get(clientMessageId);
          // The sender's own side (the sender's socket, a fellow agent) is not the other party.
          if (!message || isCustomer.has(user) === message.byCustomer) continue;
          const to = message.byCustomer ? out.toAgent : out.toCustomer;
          const key = `${eventId}|${user}`;
          if (seen.has(key)) to.duplicates++;
          else {
            seen.add(key);
            to.delivered++;
            to.latency.push(at - message.at);
            to.fromEventTime.push(at - eventTime);
          }
        }
      return out;
    };
    const reports = async () => Promise.all(fleets.map((fleet) => fleet.report(false)));
    const complete = (/** @type {ReturnType<typeof tally>} */ t) =>
      t.toAgent.delivered >= t.toAgent.expected && t.toCustomer.delivered >= t.toCustomer.expected;
    await until(async () => complete(tally(await reports())), 30_000, 250);
    const chatUsage = await window.close();
    const final = await reports();
    const directions = tally(final);
    const summarize = (/** @type {ReturnType<typeof tally>['toAgent']} */ d) => ({
      messages: d.messages,
      expected: d.expected,
      delivered: d.delivered,
      lost: d.expected - d.delivered,
      duplicates: d.duplicates,
      latencyMs: percentiles(d.latency),
      eventTimeToClientMs: percentiles(d.fromEventTime),
    });
    results.chat = {
      rate,
      seconds,
      sent: total,
      accepted,
      httpErrors: refused,
      postResponseMs: percentiles(responseMs),
      eventTimeToClientMs: percentiles([...directions.toAgent.fromEventTime, ...directions.toCustomer.fromEventTime]),
      toAgent: summarize(directions.toAgent),
      toCustomer: summarize(directions.toCustomer),
      usage: chatUsage,
    };
    results.typing = {
      ...typingOutcome(final, customers, assignees, agentSockets, tickets),
      throttledByEdges: (await Promise.all(edges.map((edge) => typingThrottled(edge.url)))).reduce((a, b) => a + b, 0),
    };
    ctx.log(
      `support chat: to agents ${directions.toAgent.delivered}/${directions.toAgent.expected}, to customers ${directions.toCustomer.delivered}/${directions.toCustomer.expected}; typing ${results.typing.delivered}/${results.typing.expected}`,
    );

    // --- the order events' path at the same rate, to the same customers (edge-1)
    const orderPath = await measureOrderPath(ctx, customerFleet, {
      users: customers,
      rate,
      seconds,
      measured: [ctx.services.orders, ctx.services.support, ctx.services.worker, ...edges, ...customerFleet.workers],
    });
    results.orderPath = { ...orderPath.run, usage: orderPath.usage };
  } finally {
    await Promise.all(fleets.map((fleet) => fleet.stop()));
    await Promise.all(edges.map((edge) => edge.stop()));
  }
  results.memory = await presenceMemory(ctx);
  return [report(ctx, results, { ticketCount, agentSockets: agentSockets.length, rate, seconds })];
}

/**
 * Typing starts the edge acked against their arrivals at the other party (customer ↔ agents),
 * each arrival matched to the typist's latest start sent before it.
 * @param {Awaited<ReturnType<Fleet['report']>>[]} reports
 * @param {string[]} customers @param {string[]} assignees
 * @param {{ user: string, ticket: number }[]} agentSockets @param {string[]} tickets
 */
function typingOutcome(reports, customers, assignees, agentSockets, tickets) {
  const ticketIndex = new Map(tickets.map((id, i) => [id, i]));
  const isCustomer = new Set(customers);
  /** typist|ticket → send times, ascending */
  /** @type {Map<string, number[]>} */
  const sends = new Map();
  let sentCount = 0;
  let expected = 0;
  for (const report of reports)
    for (const [ticketId, typist, at] of report.typingSent) {
      const key = `${typist}|${ticketId}`;
      sends.set(key, [...(sends.get(key) ?? []), at]);
      sentCount++;
      const ticket = ticketIndex.get(ticketId) ?? -1;
      expected += isCustomer.has(typist) ? agentSockets.filter((a) => a.ticket === ticket).length : 1;
    }
  for (const times of sends.values()) times.sort((a, b) => a - b);
  /** @type {number[]} */
  const latency = [];
  const seen = new Set();
  let duplicates = 0;
  for (const report of reports)
    for (const [ticketId, typist, recipient, at] of report.typingReceived) {
      if (isCustomer.has(typist) === isCustomer.has(recipient)) continue;
      const times = sends.get(`${typist}|${ticketId}`) ?? [];
      const sentAt = times.findLast((t) => t <= at);
      if (sentAt === undefined) continue;
      const key = `${typist}|${ticketId}|${sentAt}|${recipient}`;
      if (seen.has(key)) {
        duplicates++;
        continue;
      }
      seen.add(key);
      latency.push(at - sentAt);
    }
  return {
    typists: customers.length + assignees.length,
    everyMs: TYPING_EVERY_MS,
    sent: sentCount,
    refused: reports.reduce((s, r) => s + r.typingRefused, 0),
    expected,
    delivered: seen.size,
    lost: expected - seen.size,
    duplicates,
    latencyMs: percentiles(latency),
  };
}

/**
 * Typing starts an edge acked but did not pass on (within its 2 s throttle), from its /metrics.
 * @param {string} url
 */
async function typingThrottled(url) {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
  const match = /^edge_typing_events_total\{[^}]*result="throttled"[^}]*\} (\d+)/m.exec(text);
  return match ? Number(match[1]) : 0;
}

/**
 * The edge's heap and RSS growth per connection, measured twice on a fresh edge each: connections in
 * pairs on `order:{id}` channels (a room each, no presence), then the same on `ticket:{id}` channels
 * (a room and a presence join each). Agents need no ownership look-up for either, so the two differ
 * by presence only.
 * @param {import('../bench.mjs').Context} ctx
 */
async function presenceMemory(ctx) {
  const count = ctx.scaled(ctx.full ? 4_000 : 1_000);
  const warm = Math.max(10, Math.round(count / 20));
  const users = Array.from({ length: count + warm }, (_, i) => `${ctx.run}-pm${i}`);
  /** @type {Record<string, any>} */
  const out = {};
  for (const kind of /** @type {const} */ (['order', 'ticket'])) {
    const channels = users.map((_, i) => [`${kind}:${ctx.run}-pm-${kind}-${Math.floor(i / 2)}`]);
    const port = await freePort();
    const edge = await startService('connection-edge', { name: `edge-memory-${kind}`, port, env: { ...ctx.edgeEnv } });
    const fleet = await Fleet.start(users.length, { ...ctx.jwt, roles: ['agent'] });
    try {
      const url = `http://127.0.0.1:${port}`;
      // A warm-up batch first, so one-off costs (JIT, lazy modules) stay out of the per-connection figures.
      await fleet.connect({ url, users: users.slice(0, warm), channels: channels.slice(0, warm), bare: false });
      await sleep(500);
      const empty = await edge.sample({ gc: true });
      const main = await fleet.connect({
        url,
        users: users.slice(warm),
        channels: channels.slice(warm),
        bare: false,
        timeoutMs: 90_000,
      });
      await sleep(2_000);
      const loaded = await edge.sample({ gc: true });
      const presenceStates = (await fleet.report(false)).presenceStates;
      out[kind] = {
        connections: main.ok,
        failed: main.failed,
        presenceStates,
        heapPerConnKiB: round((loaded.mem.heapUsed - empty.mem.heapUsed) / main.ok / 1024),
        rssPerConnKiB: round((loaded.mem.rss - empty.mem.rss) / main.ok / 1024),
        heapMb: round(loaded.mem.heapUsed / 2 ** 20),
        rssMb: round(loaded.mem.rss / 2 ** 20),
      };
      ctx.log(`support chat: memory on ${kind} channels: ${JSON.stringify(out[kind])}`);
    } finally {
      await fleet.stop();
      await edge.stop();
    }
  }
  return { count, ...out };
}

/** @param {{ latencyMs: Record<string, number> }} side */
const p50p99 = (side) => `${side.latencyMs.p50 ?? '–'} / ${side.latencyMs.p99 ?? '–'} ms`;

/**
 * @param {import('../bench.mjs').Context} ctx @param {Record<string, any>} results
 * @param {{ ticketCount: number, agentSockets: number, rate: number, seconds: number }} shape
 * @returns {import('../lib/report.mjs').ScenarioReport}
 */
function report(ctx, results, { ticketCount, agentSockets, rate, seconds }) {
  const { chat, typing, orderPath, memory } = results;
  const directions = [
    ['chat: customer → agents', 'REST → support-desk → Kafka → worker → Redis → edge-2 → agent', chat.toAgent],
    ['chat: agent → customer', 'REST → support-desk → Kafka → worker → Redis → edge-1 → customer', chat.toCustomer],
    [
      'order events (same rate, same customers)',
      'REST status change → order-tracking → Kafka → worker → Redis → edge-1 → customer',
      { ...orderPath, messages: orderPath.sent, expected: orderPath.accepted },
    ],
    ['typing starts (socket, volatile)', 'client → edge → Redis → other edge → other party', typing],
  ];
  const presence = memory.ticket.presenceStates > 0;
  const heapExtra = round(memory.ticket.heapPerConnKiB - memory.order.heapPerConnKiB);
  const lost = chat.toAgent.lost + chat.toCustomer.lost;
  const duplicates = chat.toAgent.duplicates + chat.toCustomer.duplicates;
  return {
    id: '6-support-chat',
    title: 'Support chat',
    scale: `${ticketCount.toLocaleString('en-US')} tickets, each with its customer on edge-1 and 1–2 agents on edge-2 (${agentSockets} agent sockets), all subscribed to \`ticket:{id}\`; ${rate} messages/s for ${seconds} s over REST, alternating customer and assignee; typing starts every ${TYPING_EVERY_MS / 1000} s from both sides of every ticket; the order path at the same rate to the same customers; memory with ${memory.count.toLocaleString('en-US')} connections per variant${ctx.full ? '' : ' (short run: `--full` runs 500 tickets at 200/s for 30 s)'}`,
    results,
    table: {
      headers: [
        'path',
        'hops',
        'sent',
        'deliveries expected',
        'delivered',
        'lost',
        'duplicates',
        'p50 ms',
        'p99 ms',
        'max ms',
      ],
      rows: directions.map(([name, hops, d]) => [
        name,
        hops,
        d.messages ?? d.sent,
        d.expected,
        d.delivered,
        d.lost,
        d.duplicates,
        ...latencyCells(d.latencyMs),
      ]),
    },
    hopTable: {
      title:
        "Where the time goes: the request (support-desk stores a message with its events in one transaction; order-tracking a status change) and the event's `time` (stamped by the service, ms resolution) to the other party's socket (outbox → Kafka → worker → Redis → edge → client), same rate",
      headers: ['path', 'request p50 ms', 'p99 ms', 'event time → client p50 ms', 'p99 ms'],
      rows: [
        ['chat: POST /tickets/:id/messages', chat.postResponseMs, chat.eventTimeToClientMs],
        ['order events: PATCH /orders/:id/status', orderPath.patchResponseMs, orderPath.eventTimeToClientMs],
      ].map(([name, request, delivery]) => [
        name,
        ...latencyCells(request, ['p50', 'p99']),
        ...latencyCells(delivery, ['p50', 'p99']),
      ]),
    },
    extraTable: {
      title: `Edge memory per connection after a forced GC, ${memory.count.toLocaleString('en-US')} agent connections in pairs per channel, a fresh edge each; then CPU per process during the chat run`,
      headers: [
        'variant / process',
        'heap KiB per conn',
        'RSS KiB per conn',
        'CPU (cores) during chat',
        'RSS MB during chat',
      ],
      rows: [
        ['order:{id} channels (no presence)', memory.order.heapPerConnKiB, memory.order.rssPerConnKiB, '', ''],
        [
          `ticket:{id} channels (presence join${presence ? '' : ': none on this edge'})`,
          memory.ticket.heapPerConnKiB,
          memory.ticket.rssPerConnKiB,
          '',
          '',
        ],
        ...Object.entries(chat.usage).map(([name, u]) => [name, '', '', u.cpuCores, u.rssMb ?? '']),
      ],
    },
    targets: [
      {
        name: 'no chat message lost',
        value: `${lost} of ${chat.toAgent.expected + chat.toCustomer.expected} deliveries (${chat.httpErrors} sends refused)`,
        met: lost === 0 && chat.httpErrors === 0,
      },
      { name: 'no chat message delivered twice (event id)', value: `${duplicates} duplicates`, met: duplicates === 0 },
      {
        name: `chat p50 / p99 at ${rate}/s (reported, vs order events in the same run)`,
        value: `customer → agent ${p50p99(chat.toAgent)}, agent → customer ${p50p99(chat.toCustomer)}; order events ${p50p99(orderPath)}`,
        met: null,
      },
      {
        name: 'typing starts delivered to the other party (reported; volatile)',
        value: `${typing.delivered} of ${typing.expected} (${typing.sent} starts acked, ${typing.throttledByEdges} of them throttled by the edges, ${typing.refused} refused), ${p50p99(typing)}`,
        met: null,
      },
      {
        name: 'presence: extra edge heap per connection (reported)',
        value: presence
          ? `${heapExtra} KiB (${memory.ticket.heapPerConnKiB} with vs ${memory.order.heapPerConnKiB} without)`
          : 'the edge sent no presence.state: no presence on this build',
        met: null,
      },
    ],
    panels: [
      {
        title: `Latency at ${rate}/s, p50 | p99`,
        unit: 'ms',
        bars: [
          ...directions.slice(0, 2).flatMap(([name, , side]) =>
            ['p50', 'p99'].map((p) => ({
              label: `${name.replace('chat: ', '')} ${p}`,
              value: side.latencyMs[p] ?? NaN,
            })),
          ),
          { label: 'order events p50', value: orderPath.latencyMs.p50 ?? NaN, kind: 'baseline' },
          { label: 'order events p99', value: orderPath.latencyMs.p99 ?? NaN, kind: 'baseline' },
          { label: 'typing p50', value: typing.latencyMs.p50 ?? NaN, kind: 'other' },
          { label: 'typing p99', value: typing.latencyMs.p99 ?? NaN, kind: 'other' },
        ],
      },
      {
        title: 'Edge heap per connection',
        unit: 'KiB',
        bars: [
          { label: 'order channels', value: memory.order.heapPerConnKiB, kind: 'baseline' },
          { label: 'ticket channels + presence', value: memory.ticket.heapPerConnKiB, kind: 'ours' },
        ],
      },
    ],
  };
}
