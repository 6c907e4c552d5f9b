import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoSettingsRepository } from '../../functions/adapters/settings-repository.ts';
import { DEFAULT_SETTINGS } from '../../functions/domain/settings.ts';
import { startTestDynamo, type TestDynamo } from '../support/dynalite.ts';

describe('settings repository on dynalite', () => {
  let db: TestDynamo;
  let repo: DynamoSettingsRepository;
  beforeAll(async () => {
    db = await startTestDynamo();
    repo = new DynamoSettingsRepository(db.client, db.table, { now: () => 0 });
  });
  afterAll(async () => db?.close());

  it('returns defaults for a tenant that never saved settings', async () => {
    expect(await repo.get('fresh')).toEqual(DEFAULT_SETTINGS);
  });

  it('applies patches per tenant and keeps other sections', async () => {
    await repo.update('acme', { general: { timeZone: 'Europe/London' } }, 'ada');
    const after = await repo.update('acme', { messaging: { cleardownHour: 5 } }, 'ada');
    expect(after.general.timeZone).toBe('Europe/London');
    expect(after.messaging.cleardownHour).toBe(5);
    expect((await repo.get('other')).general.timeZone).toBe('UTC');
  });

  it('loses no update when two admins save different sections at once', async () => {
    await Promise.all([
      repo.update('race', { messaging: { maxTextLength: 500 } }, 'a1'),
      repo.update('race', { status: { inactivityWindowSeconds: 120 } }, 'a2'),
    ]);
    const settings = await repo.get('race');
    expect(settings.messaging.maxTextLength).toBe(500);
    expect(settings.status.inactivityWindowSeconds).toBe(120);
  });
});
