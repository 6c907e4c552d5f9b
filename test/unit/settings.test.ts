import { describe, expect, it } from 'vitest';
import {
  applySettingsPatch,
  DEFAULT_SETTINGS,
  settingsPatchSchema,
  settingsSchema,
} from '../../functions/domain/settings.ts';

describe('tenant settings', () => {
  it('gives every section its defaults', () => {
    expect(DEFAULT_SETTINGS).toEqual({
      general: { timeZone: 'UTC' },
      messaging: { cleardownHour: 3, maxTextLength: 2000 },
      status: { inactivityWindowSeconds: 60, logRetentionDays: 30 },
      alerts: {
        enabled: true,
        retentionDays: 90,
        poorNetworkMos: 3.5,
        poorNetworkSeconds: 15,
        highCpuPercent: 90,
        highCpuSeconds: 30,
        lowMemoryPercent: 10,
        lowMemorySeconds: 30,
        selfHelp: {},
      },
      reports: { retentionDays: 90 },
    });
  });

  it('parses documents stored before a section existed', () => {
    expect(settingsSchema.parse({ general: { timeZone: 'Asia/Kolkata' } }).status.inactivityWindowSeconds).toBe(60);
  });

  it('patches field by field and keeps the rest', () => {
    const next = applySettingsPatch(DEFAULT_SETTINGS, settingsPatchSchema.parse({ messaging: { cleardownHour: 4 } }));
    expect(next.messaging).toEqual({ cleardownHour: 4, maxTextLength: 2000 });
    expect(next.general.timeZone).toBe('UTC');
  });

  it('refuses unknown fields, bad time zones and out-of-range values', () => {
    expect(settingsPatchSchema.safeParse({ messaging: { colour: 'red' } }).success).toBe(false);
    expect(settingsPatchSchema.safeParse({ extra: {} }).success).toBe(false);
    expect(settingsPatchSchema.safeParse({ general: { timeZone: 'Mars/Olympus' } }).success).toBe(false);
    expect(settingsPatchSchema.safeParse({ messaging: { cleardownHour: 24 } }).success).toBe(false);
    expect(settingsPatchSchema.safeParse({ status: { inactivityWindowSeconds: 5 } }).success).toBe(false);
    expect(settingsPatchSchema.safeParse({ reports: { retentionDays: 0 } }).success).toBe(false);
    expect(settingsPatchSchema.safeParse({ reports: { retentionDays: 731 } }).success).toBe(false);
    expect(settingsPatchSchema.safeParse({ reports: { retentionDays: 7.5 } }).success).toBe(false);
    expect(settingsPatchSchema.parse({ reports: { retentionDays: 730 } })).toEqual({ reports: { retentionDays: 730 } });
  });
});

describe('settings patches', () => {
  it('leave fields they do not name untouched (no defaults sneak into a patch)', () => {
    const patch = settingsPatchSchema.parse({ messaging: { cleardownHour: 4 } });
    expect(patch).toEqual({ messaging: { cleardownHour: 4 } });
    const stored = settingsSchema.parse({ messaging: { maxTextLength: 300 } });
    expect(applySettingsPatch(stored, patch).messaging).toEqual({ cleardownHour: 4, maxTextLength: 300 });
  });
});
