import { Delivery } from '@shopnest/contracts';
import { aliceEvent } from '../testing/edge.fixture';
import { Outgoing } from './delivery-feed';
import { SeamGate } from './seam-gate';

const live = (offset?: string): Outgoing => {
  const event = aliceEvent();
  const delivery: Delivery = { channel: 'order:o-alice', event, ...(offset && { offset }) };
  return { name: event.type, delivery };
};
const offsets = (sent: Outgoing[]) => sent.map((o) => o.delivery.offset ?? 'volatile');

describe('SeamGate', () => {
  it('holds back until open, then drops what the client already has, and late repeats after that', () => {
    const sent: Outgoing[] = [];
    const gate = new SeamGate((o) => sent.push(o));
    gate.offer(live('5-0'));
    gate.offer(live('6-0'));
    gate.offer(live());
    expect(sent).toEqual([]);

    gate.open('5-0');
    gate.offer(live('7-0'));
    gate.offer(live('6-0')); // a late repeat, after the gate opened

    expect(offsets(sent)).toEqual(['6-0', 'volatile', '7-0']);
    expect(gate.dropped).toBe(2);
    expect(gate.overflowed).toBe(false);
  });

  it('drops what it holds once it outgrows its event count, says so, and passes live deliveries after open', () => {
    const sent: Outgoing[] = [];
    const gate = new SeamGate((o) => sent.push(o), { maxEvents: 2, maxBytes: Infinity });
    for (const offset of ['1-0', '2-0', '3-0', '4-0']) gate.offer(live(offset));

    gate.open(undefined);
    gate.offer(live('5-0'));

    expect(gate.overflowed).toBe(true);
    expect(offsets(sent)).toEqual(['5-0']);
  });

  it('counts held-back bytes too', () => {
    const gate = new SeamGate(() => undefined, { maxEvents: 1_000, maxBytes: 600 });
    gate.offer(live('1-0'));
    expect(gate.overflowed).toBe(false);
    for (const offset of ['2-0', '3-0', '4-0']) gate.offer(live(offset));
    expect(gate.overflowed).toBe(true);
  });
});
