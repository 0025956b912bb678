/** No order with this id, or none the caller may see (the two are indistinguishable on purpose). */
export class OrderNotFound extends Error {
  override readonly name = 'OrderNotFound';

  constructor(readonly orderId: string) {
    super(`order ${orderId} not found`);
  }
}

/** The order changed since the caller read it: its version is not the one the caller expected. */
export class OrderVersionConflict extends Error {
  override readonly name = 'OrderVersionConflict';

  constructor(
    readonly orderId: string,
    readonly expectedVersion: number,
    /** The stored version, when known. */
    readonly currentVersion?: number,
  ) {
    super(
      `order ${orderId} is at version ${currentVersion ?? 'unknown'}, not ${expectedVersion}; ` +
        'read it again and retry',
    );
  }
}

/** The caller may not do this to this order (e.g. a customer creating an order for someone else). */
export class OrderAccessDenied extends Error {
  override readonly name = 'OrderAccessDenied';
}

/** The request is well-formed but incomplete for this caller (e.g. a service omitting `customerId`). */
export class OrderInputInvalid extends Error {
  override readonly name = 'OrderInputInvalid';
}
