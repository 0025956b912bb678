// @ts-check
// A closed-loop HTTP load generator: `connections` keep-alive sockets, each sending its next
// request as soon as the previous one is answered, until `maxRequests` were sent or `seconds`
// passed. Both bounds always apply. Reports requests/s, latency and the generator's own CPU, so
// a run can show the generator was not the limit (compare with a trivial endpoint).
import { Agent, request } from 'node:http';
import { now, percentiles, Reservoir, round } from './stats.mjs';

/**
 * @typedef {{ method: string, path: string, body?: unknown, bearer?: string }} LoadRequest
 * @typedef {{ requests: number, perSecond: number, seconds: number, statuses: Record<string, number>,
 *   latencyMs: Record<string, number>, generatorCpuCores: number, connections: number }} LoadResult
 */

/**
 * @param {{ url: string, connections: number, seconds: number, maxRequests: number, next: (i: number) => LoadRequest,
 *   onBody?: (i: number, status: number, body: string) => void }} options
 *   `next(i)`: the i-th request (i counts from 0 across all connections, in sending order);
 *   `onBody`: wants each answer's body (otherwise bodies are discarded unread)
 * @returns {Promise<LoadResult>}
 */
export async function drive({ url, connections, seconds, maxRequests, next, onBody }) {
  const agent = new Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  const latency = new Reservoir(50_000);
  /** @type {Record<string, number>} */
  const statuses = {};
  const cpuBefore = process.cpuUsage();
  const started = now();
  const deadline = started + seconds * 1000;
  let sent = 0;
  const lane = async () => {
    while (sent < maxRequests && now() < deadline) {
      const i = sent++;
      const t0 = now();
      const [status, body] = await send(agent, url, next(i), onBody !== undefined);
      latency.add(now() - t0);
      onBody?.(i, status, body);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: connections }, lane));
  const elapsed = (now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  agent.destroy();
  return {
    requests: sent,
    perSecond: round(sent / elapsed, 0),
    seconds: round(elapsed, 2),
    statuses,
    latencyMs: percentiles(latency.values),
    generatorCpuCores: round((cpu.user + cpu.system) / 1e6 / elapsed),
    connections,
  };
}

/**
 * One request; resolves with the status code (0: no answer) and the body (when `keepBody`) once it was read.
 * @param {Agent} agent @param {string} url @param {LoadRequest} call @param {boolean} keepBody
 * @returns {Promise<[number, string]>}
 */
function send(agent, url, { method, path, body, bearer }, keepBody) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve) => {
    const req = request(
      `${url}${path}`,
      {
        method,
        agent,
        timeout: 30_000,
        headers: {
          ...(bearer && { authorization: `Bearer ${bearer}` }),
          ...(payload && { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
        },
      },
      (res) => {
        let text = '';
        if (keepBody) {
          res.setEncoding('utf8');
          res.on('data', (chunk) => (text += chunk));
        } else res.resume();
        res.on('end', () => resolve([res.statusCode ?? 0, text]));
        res.on('error', () => resolve([0, text]));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve([0, '']));
    if (payload) req.write(payload);
    req.end();
  });
}
