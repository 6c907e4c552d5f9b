import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { httpEvent, lambdaContext } from '../support/events.ts';

const ddb = mockClient(DynamoDBDocumentClient);
type Handler = (event: unknown, context: unknown) => Promise<{ statusCode: number; body?: string }>;
let updateSettings: Handler;
const admin = { tenant: 'acme', user: 'ada', role: 'admin' as const };

beforeAll(async () => {
  vi.stubEnv('TABLE_NAME', 'MainTable');
  updateSettings = (await import('../../functions/handlers/http/settings-update.ts')).handler as unknown as Handler;
});
beforeEach(() => ddb.reset());

const patch = (body: unknown) =>
  updateSettings(httpEvent({ method: 'PATCH', path: '/settings', principal: admin, body }), lambdaContext);

describe('alert settings (PATCH /settings, section alerts)', () => {
  it('stores the switch, thresholds, durations, retention and self-help, keeping other self-help entries', async () => {
    // Prepare: the stored document already has custom content for the microphone alert.
    const mic = { title: 'Mic', text: 'Allow the microphone', links: [] };
    ddb.on(GetCommand).resolves({ Item: { settings: { alerts: { selfHelp: { micBlocked: mic } } }, version: 1 } });
    ddb.on(PutCommand).resolves({});
    // Act
    const res = await patch({
      alerts: {
        enabled: false,
        poorNetworkMos: 3.2,
        poorNetworkSeconds: 20,
        highCpuPercent: 85,
        lowMemorySeconds: 45,
        retentionDays: 30,
        selfHelp: {
          poorNetwork: {
            title: 'Network',
            text: 'Use a cable',
            links: [{ label: 'Guide', url: 'https://help.example.com/network' }],
          },
        },
      },
    });
    // Assess
    expect(res.statusCode).toBe(200);
    const alerts = JSON.parse(res.body ?? '{}').alerts;
    expect(alerts).toMatchObject({
      enabled: false,
      poorNetworkMos: 3.2,
      poorNetworkSeconds: 20,
      highCpuPercent: 85,
      highCpuSeconds: 30,
      lowMemoryPercent: 10,
      lowMemorySeconds: 45,
      retentionDays: 30,
      selfHelp: { micBlocked: mic, poorNetwork: { title: 'Network' } },
    });
    expect(ddb.commandCalls(PutCommand)[0]?.args[0].input.Item?.settings.alerts.enabled).toBe(false);
  });

  it.each([
    ['a MOS above what a perfect network scores', { poorNetworkMos: 4.6 }, 'alerts.poorNetworkMos'],
    ['a zero duration', { poorNetworkSeconds: 0 }, 'alerts.poorNetworkSeconds'],
    ['a fractional duration', { highCpuSeconds: 1.5 }, 'alerts.highCpuSeconds'],
    ['CPU above 100 %', { highCpuPercent: 120 }, 'alerts.highCpuPercent'],
    ['memory 0 %', { lowMemoryPercent: 0 }, 'alerts.lowMemoryPercent'],
    ['retention of 5 years', { retentionDays: 1825 }, 'alerts.retentionDays'],
    ['a switch that is not a boolean', { enabled: 'yes' }, 'alerts.enabled'],
    ['an unknown field', { mosThreshold: 3 }, 'alerts'],
    ['an unknown alert type', { selfHelp: { coffee: { title: 't', text: 'x' } } }, 'alerts.selfHelp'],
    [
      'a non-https link',
      { selfHelp: { highCpu: { title: 't', text: 'x', links: [{ label: 'l', url: 'javascript:alert(1)' }] } } },
      'alerts.selfHelp.highCpu.links.0.url',
    ],
  ])('answers %s with 400 and the field', async (_label, alerts, path) => {
    const res = await patch({ alerts });
    expect(res.statusCode).toBe(400);
    const body = JSON.parse(res.body ?? '{}');
    expect(body.code).toBe('VALIDATION_FAILED');
    expect(body.details.issues.map((i: { path: string }) => i.path)).toContain(path);
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });
});
