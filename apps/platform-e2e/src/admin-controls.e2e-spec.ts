import {
  ConnectErrorData,
  DisconnectUserResponse,
  SessionTerminated,
  UserConnectionsResponse,
} from '@shopnest/contracts';
import { runId, signTestToken, waitFor } from '@shopnest/testing';
import { Socket } from 'socket.io-client';
import { Clients, createOrder, outcome, Platform, send, startPlatform } from './support/platform';

/**
 * The operator API across two edge processes sharing Redis: whichever edge is asked answers for
 * both (listing, disconnecting), and a revocation made through one edge holds at the other.
 */
describe('operator controls across two edges', () => {
  const run = runId();
  const clients = new Clients();
  const ops = signTestToken(`ops-${run}`, { roles: ['ops'] });
  let platform: Platform;
  let edge1: Platform['edges'][number];
  let edge2: Platform['edges'][number];

  beforeAll(async () => {
    const roomy = { MAX_CONNECTIONS_PER_USER: '20', RATE_LIMIT_IP_CONNECTIONS_PER_S: '1000' };
    platform = await startPlatform(run, [
      { name: 'edge-1', env: roomy },
      { name: 'edge-2', env: roomy },
    ]);
    [edge1, edge2] = platform.edges;
  });

  afterAll(async () => {
    clients.closeAll();
    await platform?.stop();
  });

  async function admin(
    edge: Platform['edges'][number],
    method: string,
    path: string,
    body?: unknown,
    token: string | null = ops,
  ): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${edge.url}${path}`, {
      method,
      headers: { ...(token && { authorization: `Bearer ${token}` }), 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  /** What the server told a socket before it went. */
  function watch(socket: Socket): { terminated: SessionTerminated[]; disconnects: string[] } {
    const seen = { terminated: [] as SessionTerminated[], disconnects: [] as string[] };
    socket.on('session.terminated', (body: SessionTerminated) => seen.terminated.push(body));
    socket.on('disconnect', (reason) => seen.disconnects.push(reason));
    return seen;
  }

  async function refusal(edge: Platform['edges'][number], token: string): Promise<ConnectErrorData | undefined> {
    const { error } = await outcome(clients.open(edge, token));
    return error?.data;
  }

  it("lists a user's connections on every edge, with their edge, transport and channels; ops only", async () => {
    const user = `u-${run}-list`;
    const token = signTestToken(user);
    const order = await createOrder(platform, token);
    const onEdge1 = await clients.connect(edge1, token);
    const onEdge2 = await clients.connect(edge2, token);
    const { socket: polling, error } = await outcome(clients.open(edge2, token, { transports: ['polling'] }));
    expect(error).toBeUndefined();
    await expect(send(onEdge2, 'subscribe', { channel: `order:${order.id}` })).resolves.toMatchObject({ ok: true });

    const answer = await admin(edge1, 'GET', `/admin/users/${user}/connections`);
    expect(answer.status).toBe(200);
    const { connections } = answer.body as UserConnectionsResponse;
    expect(connections.map((c) => c.socketId).sort()).toEqual([onEdge1.id, onEdge2.id, polling.id].sort());
    expect(new Set(connections.map((c) => c.edge)).size).toBe(2);
    const byId = new Map(connections.map((c) => [c.socketId, c]));
    expect(byId.get(polling.id as string)?.transport).toBe('polling');
    expect(byId.get(onEdge1.id as string)?.transport).toBe('websocket');
    expect(byId.get(onEdge2.id as string)?.channels).toEqual([`order:${order.id}`, `user:${user}`]);
    expect(Number.isNaN(Date.parse(byId.get(onEdge1.id as string)?.connectedAt ?? ''))).toBe(false);

    expect((await admin(edge1, 'GET', `/admin/users/${user}/connections`, undefined, token)).status).toBe(403);
    expect((await admin(edge1, 'GET', `/admin/users/${user}/connections`, undefined, null)).status).toBe(401);
  });

  it('disconnects a user on every edge and, with revokeTokens, refuses their older tokens everywhere; a newer token gets in', async () => {
    const user = `u-${run}-cut`;
    const old = signTestToken(user);
    const sockets = [await clients.connect(edge1, old), await clients.connect(edge2, old)];
    const seen = sockets.map(watch);
    const bystander = await clients.connect(edge1, signTestToken(`u-${run}-bystander`));

    const answer = await admin(edge2, 'POST', `/admin/users/${user}/disconnect`, { revokeTokens: true });
    expect(answer.status).toBe(200);
    const result = answer.body as DisconnectUserResponse;
    expect(result).toMatchObject({ userId: user, disconnected: 2 });
    expect(result.revokedIssuedBefore).toEqual(expect.any(Number));

    await waitFor(() => seen.every((s) => s.disconnects.length === 1), 10_000);
    for (const s of seen) {
      expect(s.terminated).toEqual([expect.objectContaining({ code: 'UNAUTHENTICATED' })]);
      expect(s.disconnects).toEqual(['io server disconnect']);
    }
    expect(bystander.connected).toBe(true);

    for (const edge of [edge1, edge2]) {
      expect(await refusal(edge, old)).toMatchObject({
        code: 'UNAUTHENTICATED',
        message: expect.stringMatching(/revoked/),
      });
    }
    // Issued after the cut-off (iat is in whole seconds: the next second is newer).
    const newer = signTestToken(user, { issuedAt: (result.revokedIssuedBefore as number) + 1 });
    const back = await clients.connect(edge1, newer);
    await expect(send(back, 'auth.refresh', { token: old })).resolves.toMatchObject({
      ok: false,
      error: { code: 'UNAUTHENTICATED' },
    });
    await expect(send(back, 'auth.refresh', { token: newer })).resolves.toMatchObject({ ok: true });
  });

  it('revokes one token by its jti at every edge, sockets and SSE alike; the user’s other tokens pass', async () => {
    const user = `u-${run}-jti`;
    const revoked = signTestToken(user, { tokenId: `jti-${run}-1` });
    const other = signTestToken(user, { tokenId: `jti-${run}-2` });
    const answer = await admin(edge1, 'POST', '/admin/revocations', {
      tokenId: `jti-${run}-1`,
      expiresAt: Math.floor(Date.now() / 1000) + 3600,
    });
    expect(answer.status).toBe(204);

    expect(await refusal(edge2, revoked)).toMatchObject({ code: 'UNAUTHENTICATED' });
    await clients.connect(edge2, other);
    const sse = await fetch(`${edge2.url}/sse/channels/user:${user}?access_token=${revoked}`);
    expect(sse.status).toBe(401);
    await sse.body?.cancel();

    const bad = await admin(edge1, 'POST', '/admin/revocations', { tokenId: '' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'INVALID' });
  });
});
