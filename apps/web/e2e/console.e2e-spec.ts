import { Page } from 'playwright-core';
import { ConsoleFixture, problems, screenshots } from './console.fixture';

const orderIdOf = (page: Page) => /#\/orders\/([\w-]+)$/.exec(page.url())?.[1] ?? '';

describe('the web console in Chromium', () => {
  const fixture = new ConsoleFixture();
  beforeAll(() => fixture.start(), 90_000);
  afterAll(() => fixture.stop());

  it('shows the shopper an order’s status change within 2 s of the PATCH, and the courier moving on the map', async () => {
    await screenshots(await fixture.signInPage(), 'sign-in');
    const shopper = await fixture.signIn('shopper');
    await shopper.getByRole('button', { name: 'Place a demo order' }).click();
    await shopper.getByTestId('order-status').waitFor();
    const orderId = orderIdOf(shopper);
    expect(await shopper.getByTestId('order-status').textContent()).toBe('Placed');

    const ops = await fixture.token('ops');
    await shopper.locator('main[data-subscribed="true"]').waitFor(); // live, not the refetch after subscribing
    const patchedAt = Date.now();
    await fixture.rest(fixture.ordersUrl, 'PATCH', `/orders/${orderId}/status`, ops, { status: 'confirmed' });
    await shopper.getByTestId('order-status').filter({ hasText: 'Confirmed' }).waitFor({ timeout: 2_000 });
    expect(Date.now() - patchedAt).toBeLessThan(2_000);
    expect(await shopper.locator('[aria-current="step"]').getAttribute('data-status')).toBe('confirmed');

    await fixture.rest(fixture.ordersUrl, 'POST', `/orders/${orderId}/courier`, ops, { courierId: 'courier-demo' });
    await fixture.rest(fixture.ordersUrl, 'PATCH', `/orders/${orderId}/status`, ops, { status: 'packed' });
    await fixture.rest(fixture.ordersUrl, 'PATCH', `/orders/${orderId}/status`, ops, { status: 'shipped' });
    await fixture.rest(fixture.ordersUrl, 'PATCH', `/orders/${orderId}/status`, ops, { status: 'out_for_delivery' });
    const courier = await fixture.token('courier');
    await fixture.rest(fixture.ordersUrl, 'POST', `/orders/${orderId}/location`, courier, { lat: 52.52, lng: 13.405 });
    await shopper.getByTestId('courier').waitFor({ timeout: 5_000 });
    await shopper.getByTestId('order-status').filter({ hasText: 'Out for delivery' }).waitFor({ timeout: 2_000 });
    await screenshots(shopper, 'shopper-order');

    // Each status change also notified the shopper: the badge counts them until the feed is opened.
    await shopper.getByTestId('notification-badge').filter({ hasText: '4' }).waitFor({ timeout: 5_000 });
    await shopper.getByRole('button', { name: /Notifications/ }).click();
    await shopper.locator('#feed-list li').first().waitFor();
    expect(await shopper.locator('#feed-list li').count()).toBe(4);
    expect(await shopper.getByTestId('notification-badge').count()).toBe(0);
    await screenshots(shopper, 'shopper-notifications');
    await shopper.getByRole('button', { name: /Notifications/ }).click();

    await shopper.getByRole('link', { name: '← My orders' }).click();
    await shopper.locator(`a[data-order="${orderId}"]`).waitFor();
    await screenshots(shopper, 'shopper-orders');
    expect(problems(shopper)).toEqual([]);
  });

  it('lets a shopper and an agent chat: typing shows and clears, the read tick appears, internal notes stay with agents', async () => {
    const shopper = await fixture.signIn('shopper');
    await shopper.getByRole('button', { name: 'Place a demo order' }).click();
    await shopper.getByTestId('order-status').waitFor();
    await shopper.getByRole('button', { name: 'Chat with support' }).click();
    await shopper.getByLabel('What went wrong?').fill('My parcel has not moved since yesterday.');
    await shopper.getByRole('button', { name: 'Send to support' }).click();
    await shopper.locator('.msg--mine').filter({ hasText: 'has not moved' }).waitFor();

    const agent = await fixture.signIn('agent');
    await agent.locator('a[data-ticket]').first().waitFor();
    await screenshots(agent, 'agent-queue');
    await agent.locator('a[data-ticket]').first().click();
    await agent.getByRole('button', { name: 'Assign to me' }).click();
    await agent.locator('.msg--theirs').filter({ hasText: 'has not moved' }).waitFor();

    // Typing appears on the other side, and clears when the message is sent.
    await agent.getByLabel('Message').pressSequentially('Let me check', { delay: 20 });
    await shopper.getByTestId('typing').filter({ hasText: 'agent-demo is typing' }).waitFor({ timeout: 5_000 });
    await agent.getByLabel('Message').press('Enter');
    await shopper.locator('.msg--theirs').filter({ hasText: 'Let me check' }).waitFor({ timeout: 5_000 });
    await shopper.getByTestId('typing').filter({ hasText: /^$/ }).waitFor({ timeout: 5_000 });

    // The shopper has the agent's message on screen, so it is read: the agent sees the tick.
    await agent
      .locator('.msg--mine')
      .filter({ hasText: 'Let me check' })
      .getByText('✓✓ Seen')
      .waitFor({ timeout: 5_000 });

    // An internal note reaches agents only.
    await agent.getByRole('checkbox', { name: 'Internal note' }).check();
    await agent.getByPlaceholder('Internal note (agents only)').fill('Courier app crashed, check depot');
    await agent.getByRole('button', { name: 'Send' }).click();
    await agent.locator('.msg--internal').filter({ hasText: 'depot' }).waitFor();
    await agent.getByRole('checkbox', { name: 'Internal note' }).uncheck();
    await agent.getByLabel('Message').fill('It is on its way today.');
    await agent.getByRole('button', { name: 'Send' }).click();
    await shopper.locator('.msg').filter({ hasText: 'on its way today' }).waitFor({ timeout: 5_000 });

    await shopper.getByLabel('Message').pressSequentially('Thanks!', { delay: 20 });
    await agent.getByTestId('typing').filter({ hasText: 'shopper-demo is typing' }).waitFor({ timeout: 5_000 });
    await shopper.getByLabel('Message').press('Enter');
    await agent.locator('.msg--theirs').filter({ hasText: 'Thanks!' }).waitFor({ timeout: 5_000 });

    // The agent has "Thanks!" on screen, so it is read; after a reload the tick comes from REST, not a live event.
    await shopper.locator('.msg').filter({ hasText: 'Thanks!' }).getByLabel('Seen').waitFor({ timeout: 5_000 });
    await shopper.reload();
    await shopper.locator('.msg').filter({ hasText: 'Thanks!' }).getByLabel('Seen').waitFor({ timeout: 5_000 });
    expect(await shopper.locator('.chat').textContent()).not.toContain('depot');
    expect(await shopper.locator('[data-visibility="internal"]').count()).toBe(0);
    await screenshots(agent, 'agent-ticket');
    await screenshots(shopper, 'shopper-help-chat');
    expect([...problems(shopper), ...problems(agent)]).toEqual([]);
  });

  it('moves an order across the ops board as its status changes, advances it, counts the clients per edge and transport, and fills the board with the simulator', async () => {
    const ops = await fixture.signIn('ops');
    const count = (status: string) => ops.getByTestId(`count-${status}`).textContent();
    expect(await count('confirmed')).toBe('0');
    const shopperToken = await fixture.token('shopper', 'shopper-ops-board');
    const order = await fixture.rest<{ id: string }>(fixture.ordersUrl, 'POST', '/orders', shopperToken, {
      itemsSummary: '2 × teapot',
      totalCents: 4200,
    });
    await fixture.rest(fixture.ordersUrl, 'PATCH', `/orders/${order.id}/status`, await fixture.token('ops'), {
      status: 'confirmed',
    });
    await ops.getByTestId('count-confirmed').filter({ hasText: '1' }).waitFor({ timeout: 5_000 });
    await ops.getByRole('button', { name: 'Move 2 × teapot to Packed' }).click();
    await ops.getByTestId('count-packed').filter({ hasText: '1' }).waitFor({ timeout: 5_000 });
    expect(await count('confirmed')).toBe('0');

    // The processes' own reports (ops.stats): this page's connection, then one more on long-polling.
    const stat = (id: string) =>
      ops.evaluate((testId) => Number(document.querySelector(`[data-testid="${testId}"]`)?.textContent ?? 'NaN'), id);
    const statAbove = (id: string, n: number) =>
      ops.waitForFunction(
        ([testId, min]) => Number(document.querySelector(`[data-testid="${testId}"]`)?.textContent) > min,
        [id, n] as const,
        { timeout: 10_000 },
      );
    await statAbove('stat-clients', 0);
    const clients = await stat('stat-clients');
    await fixture.signIn('shopper', '?transports=polling');
    await statAbove('stat-clients', clients);
    await statAbove('stat-transport-polling', 0);
    expect(await ops.getByTestId('edge-row').count()).toBe(1);
    expect(await stat('stat-lag')).toBeGreaterThanOrEqual(0);
    expect(await stat('stat-dead-letters')).toBe(0);

    // The simulator (development sign-in only) places orders as demo shoppers and moves them on.
    await ops.getByRole('button', { name: 'Start simulator' }).click();
    await ops.locator('.board__card').nth(3).waitFor({ timeout: 20_000 });
    await ops.waitForFunction(() => Number(document.querySelector('[data-testid="stat-events"]')?.textContent) > 0, {
      timeout: 10_000,
    });
    await ops.getByRole('button', { name: 'Stop simulator' }).click();
    await screenshots(ops, 'ops-board');
    expect(problems(ops)).toEqual([]);
  });

  it('works on long-polling alone: no WebSocket is opened and a status change still shows within 2 s', async () => {
    const shopper = await fixture.signIn('shopper', '?transports=polling');
    const websockets: string[] = [];
    shopper.on('websocket', (ws) => websockets.push(ws.url()));
    await shopper.getByRole('button', { name: 'Place a demo order' }).click();
    await shopper.getByTestId('order-status').waitFor();
    await shopper.locator('main[data-subscribed="true"]').waitFor(); // live, not the refetch after subscribing
    const patchedAt = Date.now();
    await fixture.rest(fixture.ordersUrl, 'PATCH', `/orders/${orderIdOf(shopper)}/status`, await fixture.token('ops'), {
      status: 'confirmed',
    });
    await shopper.getByTestId('order-status').filter({ hasText: 'Confirmed' }).waitFor({ timeout: 2_000 });
    expect(Date.now() - patchedAt).toBeLessThan(2_000);
    expect(websockets).toEqual([]);
  });

  it('shows reconnecting while the services restart, then resumes the order page and shows the next change', async () => {
    const shopper = await fixture.signIn('shopper');
    await shopper.getByRole('button', { name: 'Place a demo order' }).click();
    await shopper.getByTestId('order-status').waitFor();
    const orderId = orderIdOf(shopper);
    await fixture.restart(async () => {
      await shopper.locator('.connection[data-state="reconnecting"]').waitFor({ timeout: 10_000 });
      await screenshots(shopper, 'connection-reconnecting');
    });
    await shopper.locator('.connection[data-state="connected"]').waitFor({ timeout: 40_000 });
    await fixture.rest(fixture.ordersUrl, 'PATCH', `/orders/${orderId}/status`, await fixture.token('ops'), {
      status: 'confirmed',
    });
    await shopper.getByTestId('order-status').filter({ hasText: 'Confirmed' }).waitFor({ timeout: 2_000 });
    // Only the transport's own failures while the services were down; nothing thrown by the page.
    expect(problems(shopper).filter((p) => !/ERR_CONNECTION_REFUSED|Failed to load resource/.test(p))).toEqual([]);
  });
});
