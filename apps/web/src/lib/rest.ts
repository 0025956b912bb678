/** A REST error as the services answer it: `{ error: { code, message } }` with the HTTP status. */
export class RestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'RestError';
  }
}

/** JSON over fetch with the session's bearer token; a non-2xx answer throws {@link RestError}. */
export function restClient(baseUrl: string, token: () => string) {
  return async function rest<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token()}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await response.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
    if (!response.ok) {
      throw new RestError(response.status, json?.error?.code ?? 'HTTP', json?.error?.message ?? response.statusText);
    }
    return json as T;
  };
}

export type Rest = ReturnType<typeof restClient>;
