import type { OpsStats } from '@shopnest/contracts';

/** One process's latest `ops.stats` report and when it arrived. */
export interface Report {
  stats: OpsStats;
  receivedAt: number;
}

/** What the ops board shows from the processes' reports. */
export interface OpsSummary {
  edges: { instance: string; connections: Record<string, number>; total: number }[];
  /** Connections of every edge, by transport. */
  byTransport: Record<string, number>;
  clients: number;
  workers: number;
  consumerLag: number;
  deadLettered: number;
  eventsPerSecond: number;
}

/** A process that missed this many reports in a row has gone (stopped, or unreachable): it drops off the board. */
const MISSED_REPORTS = 3;

/** The reports still current at `now`, keyed by instance, with `report` added or replacing its process's last one. */
export function addReport(reports: ReadonlyMap<string, Report>, report: Report, now: number): Map<string, Report> {
  const next = new Map<string, Report>();
  for (const [key, r] of reports) if (now - r.receivedAt <= r.stats.intervalMs * MISSED_REPORTS) next.set(key, r);
  next.set(`${report.stats.role}:${report.stats.instance}`, report);
  return next;
}

/** Totals over the current reports: edges by instance, clients by transport, the workers' lag, dead letters and rate. */
export function summarize(reports: ReadonlyMap<string, Report>, now: number): OpsSummary {
  const summary: OpsSummary = {
    edges: [],
    byTransport: {},
    clients: 0,
    workers: 0,
    consumerLag: 0,
    deadLettered: 0,
    eventsPerSecond: 0,
  };
  for (const { stats, receivedAt } of reports.values()) {
    if (now - receivedAt > stats.intervalMs * MISSED_REPORTS) continue;
    if (stats.role === 'edge') {
      const total = Object.values(stats.connections).reduce((a, b) => a + b, 0);
      summary.edges.push({ instance: stats.instance, connections: stats.connections, total });
      for (const [transport, n] of Object.entries(stats.connections)) {
        summary.byTransport[transport] = (summary.byTransport[transport] ?? 0) + n;
      }
      summary.clients += total;
    } else {
      summary.workers++;
      summary.consumerLag += stats.consumerLag;
      summary.deadLettered += stats.deadLettered;
      summary.eventsPerSecond += stats.eventsPerSecond;
    }
  }
  summary.edges.sort((a, b) => a.instance.localeCompare(b.instance));
  summary.eventsPerSecond = Math.round(summary.eventsPerSecond * 10) / 10;
  return summary;
}
