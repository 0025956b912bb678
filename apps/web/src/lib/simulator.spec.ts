import { along, nextAction, type SimOrder } from './simulator';

const route = { from: { lat: 52.5, lng: 13.4 }, to: { lat: 52.52, lng: 13.44 } };
const order = (patch: Partial<SimOrder>): SimOrder => ({ id: 'o-1', status: 'placed', route, progress: 0, ...patch });

describe('along', () => {
  it('interpolates between the ends and clamps outside them', () => {
    const middle = along(route, 0.5);
    expect(middle.lat).toBeCloseTo(52.51, 9);
    expect(middle.lng).toBeCloseTo(13.42, 9);
    expect(along(route, 2)).toEqual(route.to);
    expect(along(route, -1)).toEqual(route.from);
  });
});

describe('nextAction', () => {
  it('moves an order along its statuses, assigning the courier once it is packed', () => {
    expect(nextAction(order({ status: 'placed' }), false)).toEqual({ kind: 'status', to: 'confirmed' });
    expect(nextAction(order({ status: 'packed' }), false)).toEqual({ kind: 'courier' });
    expect(nextAction(order({ status: 'packed' }), true)).toEqual({ kind: 'status', to: 'shipped' });
  });

  it('drives the courier to the door before delivering, and then stops', () => {
    const driving = nextAction(order({ status: 'out_for_delivery', progress: 0.9 }), true, 0.2);
    expect(driving).toEqual({ kind: 'position', at: route.to, progress: 1 });
    expect(nextAction(order({ status: 'out_for_delivery', progress: 1 }), true)).toEqual({
      kind: 'status',
      to: 'delivered',
    });
    expect(nextAction(order({ status: 'delivered' }), true)).toEqual({ kind: 'done' });
  });
});
