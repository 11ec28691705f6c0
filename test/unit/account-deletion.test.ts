import { describe, expect, it } from 'vitest';
import { type AccountEntry, type DeletionStore, runAccountDeletion, startAccountDeletion, toApiDeletion } from '../../functions/core/account-deletion';
import { DELETION_STEPS, type ErasureDeps, revokeAllKeys, WEBHOOK_POLL_MS, WEBHOOK_WAIT_MS } from '../../functions/core/account-erasure-steps';
import type { UserAccount } from '../../functions/core/accounts';
import type { StoredKey } from '../../functions/core/api-keys';
import type { ImageRecord } from '../../functions/core/images';
import { announceRemoval } from '../../functions/core/webhook-fan-out';
import { eventMessageId, type WebhookEndpoint, type WebhookStore } from '../../functions/core/webhooks';
import { MemoryWebhookQueue, MemoryWebhookStore } from './support/webhook-fakes';

/**
 * The deletion job (core/account-deletion.ts) over an in-memory account: each step run twice
 * leaves what running it once does, a run started from any stored position finishes with nothing
 * left, and a run that crashes after any number of storage calls, run again, finishes the same.
 */
const SUB = 'sub-1';
const ACCOUNT = 'acct_one';
const OTHER = 'acct_two';

/** Everything the account (and one other) holds, as plain maps. */
function world(images = 60) {
  const records = new Map<string, ImageRecord>();
  const objects = new Set<string>();
  const lookups = new Set<string>();
  for (let i = 0; i < images; i += 1) {
    const id = `img${String(i).padStart(4, '0')}`;
    const pending = i % 10 === 9;
    records.set(id, {
      id,
      accountId: ACCOUNT,
      objectKey: pending ? `uploads/${id}` : `images/${id}`,
      state: pending ? 'pending' : 'ready',
      createdAt: new Date(1_700_000_000_000 + i * 1000).toISOString(),
      size: 10,
      metadata: { user: '42' },
      ...(pending ? { multipart: { uploadId: `up-${id}`, size: 10, partSize: 5 } } : { phash: '0123456789abcdef' }),
    });
    objects.add(pending ? `uploads/${id}` : `images/${id}`);
    if (!pending) objects.add(`variants/${id}/w=64`);
  }
  records.set('other', { id: 'other', accountId: OTHER, objectKey: 'images/other', state: 'ready', createdAt: new Date(0).toISOString() });
  objects.add('images/other');
  objects.add(`exports/${ACCOUNT}/exp1.zip`).add(`export-requests/${ACCOUNT}/exp1`).add('exports/acct_two/exp9.zip');
  const keys = new Map<string, StoredKey>([
    ['h1', { keyId: 'key_1', keyHash: 'h1', accountId: ACCOUNT, accountName: 'a', createdAt: 't', apiGatewayKeyId: 'agw1' }],
    ['h2', { keyId: 'key_2', keyHash: 'h2', accountId: ACCOUNT, accountName: 'a', createdAt: 't', revokedAt: 'earlier' }],
  ]);
  const account: UserAccount = { accountId: ACCOUNT, sub: SUB, email: 'a@example.com', createdAt: 't', keys: { key_1: 'h1', key_2: 'h2' }, activeKeys: { key_1: 'h1' } };
  const state = {
    records,
    objects,
    lookups,
    keys,
    // agw1: a key's own, from before account meters; agw-meter: the account's meter's.
    apiGatewayKeys: new Set(['agw1', 'agw-meter', 'agw-other']),
    meters: new Map([
      [ACCOUNT, { accountId: ACCOUNT, usageIdentifier: 'u1', apiGatewayKeyId: 'agw-meter', createdAt: 't' }],
      [OTHER, { accountId: OTHER, usageIdentifier: 'u2', apiGatewayKeyId: 'agw-other', createdAt: 't' }],
    ]),
    meterCount: 2,
    idempotency: new Set([...Array.from({ length: 30 }, (_, i) => `idem#${ACCOUNT}#h${i}`), `idem#${OTHER}#h0`]),
    multipart: new Set([...records.values()].flatMap((r) => (r.multipart ? [r.multipart.uploadId] : []))),
    exportRecords: new Set(['exp1', 'exp2']),
    signing: true,
    edge: new Map<string, string>([['k.s1', `${ACCOUNT}|secret`], ['k.s9', `${OTHER}|secret`]]),
    counters: new Set([`totals#${ACCOUNT}`, 'last#key_1', `last#console_${ACCOUNT}`, `totals#${OTHER}`]),
    cognitoUser: true,
    entry: { account, deletion: undefined } as { account?: UserAccount; deletion?: AccountEntry['deletion'] },
    requestObject: false,
    flushes: 0,
    // Webhooks: an endpoint per account, the owners the ready events wrote, and their deliveries.
    hooks: new MemoryWebhookStore(),
    queue: new MemoryWebhookQueue(),
    clock: 1_800_000_000_000,
    // Whether the receiver answers the attempts made while the deletion waits (sleep).
    receiverUp: true,
    sleeps: 0,
  };
  const endpoint = (accountId: string, id: string): WebhookEndpoint => ({ accountId, id, url: 'https://hooks.example.com/', events: ['image.ready', 'image.deleted'], enabled: true, secret: 'whsec_x', createdAt: 't', updatedAt: 't' });
  state.hooks.endpoints.set('ep1', endpoint(ACCOUNT, 'ep1')).set('ep9', endpoint(OTHER, 'ep9'));
  for (const record of records.values()) {
    if (record.state !== 'ready') continue;
    state.hooks.owners.set(record.id, { imageId: record.id, accountId: record.accountId, data: { id: record.id } });
    const endpointId = record.accountId === ACCOUNT ? 'ep1' : 'ep9';
    const id = eventMessageId('image.ready', record.id);
    state.hooks.deliveries.set(`${endpointId}/${id}`, { accountId: record.accountId, endpointId, id, type: 'image.ready', body: '{}', createdAt: 't', status: 'succeeded', attempts: 1 });
  }
  for (const record of records.values()) {
    if (record.accountId !== ACCOUNT) continue;
    lookups.add(`m#${ACCOUNT}#user#42|${record.id}`);
    if (record.phash) for (let band = 0; band < 8; band += 1) lookups.add(`p#${ACCOUNT}#${band}|${record.id}`);
  }
  return state;
}

type World = ReturnType<typeof world>;

/** The deletion as stored, for a step run on its own: as if its step began now. */
const positionOf = (w: World) => w.entry.deletion ?? { state: 'deleting' as const, stepStartedAt: new Date(w.clock).toISOString() };

/** The job's ports over the world; `tick` is called before every storage call (to crash at one). */
function depsOf(w: World, tick: () => void = () => undefined): ErasureDeps & { store: DeletionStore; requests: { write(): Promise<void>; remove(): Promise<void> }; now: () => Date } {
  const call = async <T>(fn: () => T | Promise<T>): Promise<T> => {
    tick();
    return fn();
  };
  return {
    keys: {
      findByHashes: (hashes) => call(() => hashes.flatMap((hash) => (w.keys.has(hash) ? [w.keys.get(hash)!] : []))),
      revoke: (keyId) =>
        call(() => {
          const record = [...w.keys.values()].find((key) => key.keyId === keyId);
          if (record) w.keys.set(record.keyHash, { ...record, revokedAt: record.revokedAt ?? 'now' });
          return record;
        }),
      clearApiGatewayKeyId: (hash: string) => call(() => void w.keys.set(hash, { ...w.keys.get(hash)!, apiGatewayKeyId: undefined })),
    },
    meters: { findMeter: (accountId) => call(() => w.meters.get(accountId)) },
    usagePlan: {
      add: () => Promise.reject(new Error('not used')),
      remove: (id) => call(() => void w.apiGatewayKeys.delete(id)),
    },
    records: {
      listByAccount: (accountId, limit) =>
        call(() => ({
          records: [...w.records.values()].filter((r) => r.accountId === accountId).sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, limit),
          after: undefined,
        })),
      get: (id) => call(() => w.records.get(id)),
      delete: (id, accountId) =>
        call(() => {
          const record = w.records.get(id);
          if (record && record.accountId !== accountId) return false;
          w.records.delete(id);
          return true;
        }),
    },
    objects: {
      // The purge's part: a removed images/<id> takes its variants with it (PurgeImage, asynchronously on AWS)
      // and queues its image.deleted, which the worker fans out for every other image here (the rest are still queued).
      delete: (key) =>
        call(async () => {
          w.objects.delete(key);
          if (!key.startsWith('images/')) return;
          for (const object of [...w.objects]) if (object.startsWith(`variants/${key.slice(7)}/`)) w.objects.delete(object);
          if (Number(key.slice(-1)) % 2 === 0) await announceRemoval({ store: w.hooks, queue: w.queue, now: () => w.clock }, key.slice(7), w.clock);
        }),
      deletePrefix: (prefix) =>
        call(() => {
          const gone = [...w.objects].filter((key) => key.startsWith(prefix));
          for (const key of gone) w.objects.delete(key);
          return gone.length;
        }),
    },
    uploads: { abort: (_key, uploadId) => call(() => void w.multipart.delete(uploadId)) },
    lookups: {
      delete: (entries) =>
        call(() => {
          for (const entry of entries) w.lookups.delete(`${entry.partition.replace(/#[^#]*$/, (band) => band)}|${entry.sort.split('#').pop()}`);
          // Lookups are named by partition and image here: drop every lookup of each image named.
          for (const entry of entries) for (const lookup of [...w.lookups]) if (lookup.endsWith(`|${entry.sort.split('#').pop()}`)) w.lookups.delete(lookup);
        }),
    },
    secrets: { list: (accountId) => call(() => ({ secrets: w.signing && accountId === ACCOUNT ? [{ kid: 's1', secret: 'secret', createdAt: 't' }] : [], version: 1 })) },
    edge: { update: (changes) => call(() => { for (const key of changes.deletes ?? []) w.edge.delete(key); return { itemCount: w.edge.size, totalBytes: 0 }; }) },
    items: {
      deleteKeyRecords: (hashes) => call(() => void hashes.forEach((hash) => w.keys.delete(hash))),
      deleteSigningSecrets: () => call(() => void (w.signing = false)),
      deleteCounters: (accountId, keyIds) => call(() => void [`totals#${accountId}`, ...keyIds.map((id) => `last#${id}`)].forEach((pk) => w.counters.delete(pk))),
      exportIds: (_accountId, limit) => call(() => [...w.exportRecords].slice(0, Math.min(limit, 1))),
      deleteExports: (_accountId, ids) => call(() => void ids.forEach((id) => w.exportRecords.delete(id))),
      idempotencyIds: (accountId, limit) => call(() => [...w.idempotency].filter((id) => id.startsWith(`idem#${accountId}#`)).slice(0, limit)),
      deleteIdempotencyRecords: (ids) => call(() => void ids.forEach((id) => w.idempotency.delete(id))),
      deleteMeter: (accountId) =>
        call(() => {
          if (w.meters.get(accountId)?.apiGatewayKeyId) w.meterCount -= 1;
          w.meters.delete(accountId);
        }),
    },
    users: { delete: () => call(() => void (w.cognitoUser = false)) },
    webhooks: {
      store: new Proxy(w.hooks, {
        get: (target, name) => {
          const value = Reflect.get(target, name);
          return typeof value === 'function' ? (...args: unknown[]) => call(() => value.apply(target, args)) : value;
        },
      }) as WebhookStore,
      queue: { send: (message, delay) => call(() => w.queue.send(message, delay)) },
      now: () => w.clock,
    },
    nowMs: () => w.clock,
    now: () => new Date(w.clock),
    // While the deletion waits, the worker attempts what is pending (and the receiver answers, when up).
    sleep: async (ms) => {
      w.clock += ms;
      w.sleeps += 1;
      if (!w.receiverUp) return;
      for (const [key, delivery] of w.hooks.deliveries) if (delivery.status === 'pending') w.hooks.deliveries.set(key, { ...delivery, status: 'succeeded', attempts: 1 });
    },
    store: {
      find: () => call(() => (w.entry.account || w.entry.deletion ? { ...w.entry } : undefined)),
      begin: (_sub, firstStep, now) =>
        call(() => {
          if (w.entry.account && !w.entry.deletion) w.entry.deletion = { state: 'deleting', step: firstStep, startedAt: now.toISOString(), stepStartedAt: now.toISOString() };
          return { ...w.entry };
        }),
      advance: (_sub, from, to, now) =>
        call(() => {
          if (w.entry.deletion?.step !== from) return false;
          w.entry.deletion = { ...w.entry.deletion, step: to, stepStartedAt: now.toISOString() };
          return true;
        }),
      finish: (_sub, now) => call(() => void (w.entry = { deletion: { state: 'deleted', deletedAt: now.toISOString() } })),
    },
    requests: { write: () => call(() => void (w.requestObject = true)), remove: () => call(() => void (w.requestObject = false)) },
  };
}

/** What is left of the account (and of the other one) as comparable data. */
function snapshot(w: World) {
  return {
    records: [...w.records.keys()].sort(),
    objects: [...w.objects].sort(),
    lookups: [...w.lookups].sort(),
    keys: [...w.keys.values()].map((k) => ({ ...k })),
    apiGatewayKeys: [...w.apiGatewayKeys].sort(),
    meters: [...w.meters.keys()].sort(),
    meterCount: w.meterCount,
    idempotency: [...w.idempotency].sort(),
    multipart: [...w.multipart].sort(),
    exportRecords: [...w.exportRecords],
    signing: w.signing,
    edge: [...w.edge.entries()],
    counters: [...w.counters].sort(),
    cognitoUser: w.cognitoUser,
    webhookEndpoints: [...w.hooks.endpoints.keys()].sort(),
    webhookDeliveries: [...w.hooks.deliveries.keys()].sort(),
    imageOwners: [...w.hooks.owners.keys()].sort(),
  };
}

/** The world once the account is gone: only the other account's things. */
const EMPTY = {
  records: ['other'],
  objects: ['exports/acct_two/exp9.zip', 'images/other'],
  lookups: [],
  keys: [],
  apiGatewayKeys: ['agw-other'],
  meters: [OTHER],
  meterCount: 1,
  idempotency: [`idem#${OTHER}#h0`],
  multipart: [],
  exportRecords: [],
  signing: false,
  edge: [['k.s9', `${OTHER}|secret`]],
  counters: [`totals#${OTHER}`],
  cognitoUser: false,
  webhookEndpoints: ['ep9'],
  webhookDeliveries: [`ep9/${eventMessageId('image.ready', 'other')}`],
  imageOwners: ['other'],
};

async function runToEnd(w: World, deps = depsOf(w)): Promise<void> {
  for (let runs = 0; runs < 100; runs += 1) if ((await runAccountDeletion(deps, SUB, { pages: 3 })) !== 'continued') return;
  throw new Error('the deletion did not finish in 100 runs');
}

/** DELETE /api/account's part (functions/delete-account.ts): the key records revoked, the cache flushed. */
async function stopAccess(w: World, account: UserAccount): Promise<void> {
  await revokeAllKeys(depsOf(w), account);
  w.flushes += 1;
}

async function begin(w: World): Promise<void> {
  const deps = depsOf(w);
  await startAccountDeletion(
    { ...deps, users: { checkPassword: async () => true }, stopAccess: (account) => stopAccess(w, account) },
    { sub: SUB, email: 'a@example.com' },
    'pw',
    new Date(0),
  );
}

describe('each step of the deletion', () => {
  for (const [index, step] of DELETION_STEPS.entries()) {
    it(`${step.name}: run twice (to its end) leaves what running it once does`, async () => {
      const once = world();
      const twice = world();
      // The steps before it have run in both.
      for (const w of [once, twice]) for (const earlier of DELETION_STEPS.slice(0, index)) while ((await earlier.run(depsOf(w), w.entry.account!, positionOf(w))) === 'more');
      while ((await step.run(depsOf(once), once.entry.account!, positionOf(once))) === 'more');
      while ((await step.run(depsOf(twice), twice.entry.account!, positionOf(twice))) === 'more');
      while ((await step.run(depsOf(twice), twice.entry.account!, positionOf(twice))) === 'more');
      expect(snapshot(twice)).toEqual(snapshot(once));
      // And it did something: the world after it differs from the world before it.
      const before = world();
      for (const earlier of DELETION_STEPS.slice(0, index)) while ((await earlier.run(depsOf(before), before.entry.account!, positionOf(before))) === 'more');
      expect(snapshot(once)).not.toEqual(snapshot(before));
    });
  }

  it('keys: revoked in the records, a key\'s own API Gateway key from before meters deleted, the meter\'s left to its step', async () => {
    const w = world();
    await DELETION_STEPS[0].run(depsOf(w), w.entry.account!, positionOf(w));
    expect([...w.keys.values()].every((key) => key.revokedAt && !key.apiGatewayKeyId)).toBe(true);
    expect([...w.apiGatewayKeys].sort()).toEqual(['agw-meter', 'agw-other']);
  });

  it('meter: the account\'s one API Gateway key and its meter record go, counted off; the other account\'s stay', async () => {
    const w = world();
    await DELETION_STEPS.find((step) => step.name === 'meter')!.run(depsOf(w), w.entry.account!, positionOf(w));
    expect([...w.apiGatewayKeys].sort()).toEqual(['agw-other', 'agw1']);
    expect([...w.meters.keys()]).toEqual([OTHER]);
    expect(w.meterCount).toBe(1);
  });

  it('idempotency: every Idempotency-Key record of the account goes, page by page; the other account\'s stays', async () => {
    const w = world();
    const step = DELETION_STEPS.find((s) => s.name === 'idempotency')!;
    expect(await step.run(depsOf(w), w.entry.account!, positionOf(w))).toBe('more');
    while ((await step.run(depsOf(w), w.entry.account!, positionOf(w))) === 'more');
    expect([...w.idempotency]).toEqual([`idem#${OTHER}#h0`]);
  });

  it('webhooks: every image\'s removal is told to the account\'s endpoint (the step announces those the queue has not), then its endpoint, log and owners go', async () => {
    const w = world();
    const ready = [...w.records.values()].filter((r) => r.accountId === ACCOUNT && r.state === 'ready').map((r) => r.id);
    for (const step of DELETION_STEPS.slice(0, DELETION_STEPS.findIndex((s) => s.name === 'webhooks'))) while ((await step.run(depsOf(w), w.entry.account!, positionOf(w))) === 'more');
    // The queue announced half of the removals; the other half's owners are still there.
    const announcedByQueue = w.queue.sent.length;
    expect(announcedByQueue).toBeGreaterThan(0);
    expect([...w.hooks.owners.values()].filter((owner) => owner.accountId === ACCOUNT)).toHaveLength(ready.length - announcedByQueue);
    const step = DELETION_STEPS.find((s) => s.name === 'webhooks')!;
    while ((await step.run(depsOf(w), w.entry.account!, positionOf(w))) === 'more');
    // One image.deleted delivery for each image, to the account's endpoint only, each queued for its first attempt.
    const told = w.queue.sent.map(({ message }) => message);
    expect(told.every((message) => message.kind === 'delivery' && message.endpointId === 'ep1')).toBe(true);
    expect(new Set(told.map((message) => message.kind === 'delivery' && message.deliveryId))).toEqual(new Set(ready.map((id) => eventMessageId('image.deleted', id))));
    // It waited once for them to be tried (the worker, meanwhile, delivered them), then removed the account's.
    expect(w.sleeps).toBe(1);
    expect(snapshot(w)).toMatchObject({ webhookEndpoints: ['ep9'], webhookDeliveries: EMPTY.webhookDeliveries, imageOwners: ['other'] });
  });

  it('webhooks: deliveries still failing are waited for at most an hour from the step\'s start, then given up with the endpoint', async () => {
    const w = world();
    w.receiverUp = false;
    for (const step of DELETION_STEPS.slice(0, DELETION_STEPS.findIndex((s) => s.name === 'webhooks'))) while ((await step.run(depsOf(w), w.entry.account!, positionOf(w))) === 'more');
    const step = DELETION_STEPS.find((s) => s.name === 'webhooks')!;
    const position = { state: 'deleting' as const, step: 'webhooks', stepStartedAt: new Date(w.clock).toISOString() };
    let pages = 0;
    while ((await step.run(depsOf(w), w.entry.account!, position)) === 'more') pages += 1;
    expect(w.sleeps).toBe(WEBHOOK_WAIT_MS / WEBHOOK_POLL_MS);
    expect(pages).toBeGreaterThanOrEqual(w.sleeps);
    expect(snapshot(w).webhookEndpoints).toEqual(['ep9']);
    expect([...w.hooks.deliveries.values()].some((delivery) => delivery.accountId === ACCOUNT)).toBe(false);
  });

  it('counters: the console session\'s window goes with the keys\' windows', async () => {
    const w = world();
    await DELETION_STEPS.find((step) => step.name === 'counters')!.run(depsOf(w), w.entry.account!, positionOf(w));
    expect([...w.counters]).toEqual([`totals#${OTHER}`]);
  });
});

describe('resuming the deletion', () => {
  for (const [index, step] of DELETION_STEPS.entries()) {
    it(`from the stored position "${step.name}" finishes with nothing of the account left`, async () => {
      const w = world();
      await begin(w);
      // As a run killed in that step left it: the steps before done, the position at this one.
      for (const earlier of DELETION_STEPS.slice(0, index)) while ((await earlier.run(depsOf(w), w.entry.account!, positionOf(w))) === 'more');
      w.entry.deletion = { ...w.entry.deletion!, step: step.name };
      await runToEnd(w);
      expect(snapshot(w)).toEqual(EMPTY);
      expect(w.entry).toEqual({ deletion: { state: 'deleted', deletedAt: expect.any(String) } });
      expect(w.requestObject).toBe(false);
    });
  }

  it('from a position this code does not know: starts again from the first step and finishes', async () => {
    const w = world();
    await begin(w);
    w.entry.deletion = { ...w.entry.deletion!, step: 'webhooks-from-a-newer-version' };
    await runToEnd(w);
    expect(snapshot(w)).toEqual(EMPTY);
  });

  it('killed after any number of storage calls and run again, finishes the same', async () => {
    // Count the calls of a whole deletion, then crash at every tenth of them (and the first few).
    const counting = world();
    let calls = 0;
    await begin(counting);
    await runToEnd(counting, depsOf(counting, () => void (calls += 1)));
    expect(snapshot(counting)).toEqual(EMPTY);
    const points = [...Array.from({ length: 12 }, (_, i) => i), ...Array.from({ length: Math.floor(calls / 10) }, (_, i) => i * 10 + 5)];
    for (const crashAt of points) {
      const w = world();
      await begin(w);
      let n = 0;
      const crashing = depsOf(w, () => {
        n += 1;
        if (n === crashAt) throw new Error('killed');
      });
      await runToEnd(w, crashing).catch((error: Error) => expect(error.message).toBe('killed'));
      await runToEnd(w);
      expect(snapshot(w), `crash at call ${crashAt}`).toEqual(EMPTY);
    }
  });

  it('two runs at once (a repeated request, a retried event) finish the same', async () => {
    const w = world();
    await begin(w);
    await Promise.all([runToEnd(w), runToEnd(w), runToEnd(w)]);
    expect(snapshot(w)).toEqual(EMPTY);
  });

  it('hands on to a next run when its budget is used, and reports progress', async () => {
    const w = world(200);
    await begin(w);
    expect(await runAccountDeletion(depsOf(w), SUB, { pages: 2 })).toBe('continued');
    expect(w.requestObject).toBe(true);
    expect(toApiDeletion(w.entry.deletion!)).toMatchObject({ state: 'deleting', step: 'images', steps_done: 1, steps_total: DELETION_STEPS.length });
    expect(w.records.size).toBeGreaterThan(1);
    await runToEnd(w);
    expect(toApiDeletion(w.entry.deletion!)).toMatchObject({ state: 'deleted', step: null, steps_done: DELETION_STEPS.length });
    expect(await runAccountDeletion(depsOf(w), SUB, { pages: 2 })).toBe('deleted');
  });
});

describe('starting the deletion', () => {
  it('a wrong password changes nothing', async () => {
    const w = world();
    const deps = depsOf(w);
    const before = snapshot(w);
    await expect(
      startAccountDeletion({ ...deps, users: { checkPassword: async () => false }, stopAccess: (account) => stopAccess(w, account) }, { sub: SUB, email: 'a@example.com' }, 'bad', new Date(0)),
    ).rejects.toMatchObject({ statusCode: 403, message: 'Password is incorrect' });
    expect(snapshot(w)).toEqual(before);
    expect(w.entry.deletion).toBeUndefined();
    expect(w.requestObject).toBe(false);
    expect(w.flushes).toBe(0);
  });

  it('revokes the keys and flushes the authorizer cache before answering, and answers the same deletion when asked again', async () => {
    const w = world();
    await begin(w);
    expect([...w.keys.values()].every((key) => key.revokedAt)).toBe(true);
    expect(w.flushes).toBe(1);
    const first = { ...w.entry.deletion };
    await begin(w);
    expect(w.entry.deletion).toEqual(first);
  });
});
