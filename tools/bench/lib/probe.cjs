'use strict';
// Preloaded (`node --require`) into every process the bench forks, ours and the baselines alike,
// so that CPU, memory and event-loop lag are measured the same way everywhere, over IPC.
const { monitorEventLoopDelay } = require('node:perf_hooks');
const { writeHeapSnapshot } = require('node:v8');

if (typeof process.send === 'function') {
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const ms = (/** @type {number} */ ns) => Math.round(ns / 1e4) / 100;
  /** @typedef {{ probe?: string, gc?: boolean, id?: number, reset?: boolean, heapSnapshot?: string }} ProbeMessage */
  process.on('message', (/** @type {ProbeMessage | undefined} */ message) => {
    if (!message || message.probe !== 'sample') return;
    // Two full collections so heapUsed counts live objects only (needs --expose-gc).
    const gc = global.gc;
    if (message.gc && typeof gc === 'function') {
      gc();
      gc();
    }
    // After the collections and before the sample, so the snapshot holds what heapUsed counts.
    if (message.heapSnapshot) writeHeapSnapshot(message.heapSnapshot);
    const reply = {
      probe: 'sample',
      id: message.id,
      at: performance.timeOrigin + performance.now(),
      cpu: process.cpuUsage(),
      mem: process.memoryUsage(),
      lag: { p50: ms(lag.percentile(50)), p99: ms(lag.percentile(99)), max: ms(lag.max), mean: ms(lag.mean) },
    };
    if (message.reset) lag.reset();
    process.send?.(reply);
  });
  // The channel must neither keep a server alive after SIGTERM nor outlive the bench: an orphan stops itself.
  process.channel?.unref();
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
