// @ts-check
// Baseline for the Kafka hop: a bare kafkajs producer and consumer on a fresh topic, one message
// per send (as order-tracking publishes one event per request), latency from the embedded send time.
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { now, Reservoir, sleep } from './stats.mjs';

const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:19092').split(',');
const kafka = new Kafka({ clientId: 'bench-baseline', brokers, logLevel: logLevel.NOTHING });

/** @param {{ topic: string, partitions: number, rate: number, seconds: number, drainMs: number }} command */
async function run(command) {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic: command.topic, numPartitions: command.partitions }],
    waitForLeaders: true,
  });
  await admin.disconnect();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  const consumer = kafka.consumer({ groupId: `${command.topic}.group`, maxWaitTimeInMs: 100 });
  await Promise.all([producer.connect(), consumer.connect()]);
  await consumer.subscribe({ topic: command.topic, fromBeginning: true });
  const latency = new Reservoir(100_000);
  const seen = new Set();
  let assigned = false;
  consumer.on(consumer.events.GROUP_JOIN, () => (assigned = true));
  await consumer.run({
    eachMessage: async ({ message }) => {
      const body = JSON.parse(String(message.value));
      latency.add(now() - body.sentAt);
      seen.add(body.seq);
    },
  });
  for (let i = 0; i < 200 && !assigned; i++) await sleep(50);
  const total = Math.round(command.rate * command.seconds);
  const started = now();
  let sent = 0;
  let failed = 0;
  /** @type {Promise<unknown>[]} */
  const inFlight = [];
  while (sent < total && now() - started < command.seconds * 1000 + 10_000) {
    const due = Math.min(total, Math.floor(((now() - started) / 1000) * command.rate));
    while (sent < due) {
      const seq = sent++;
      inFlight.push(
        producer
          .send({
            topic: command.topic,
            messages: [{ key: `order-${seq % 1000}`, value: JSON.stringify({ seq, sentAt: now() }) }],
          })
          .catch(() => failed++),
      );
    }
    await sleep(5);
  }
  await Promise.all(inFlight);
  const deadline = Date.now() + command.drainMs;
  while (seen.size < total - failed && Date.now() < deadline) await sleep(50);
  await Promise.all([producer.disconnect(), consumer.disconnect()]);
  return { sent: total, failed, received: seen.size, latency: latency.values };
}

process.on('message', (/** @type {any} */ message) => {
  if (!message || message.probe || message.id === undefined) return;
  run(message).then(
    (result) => process.send?.({ id: message.id, ...result }),
    (error) => process.send?.({ id: message.id, error: String(error) }),
  );
});
process.once('SIGTERM', () => process.exit(0));
process.channel?.ref();
process.send?.({ type: 'ready' });
