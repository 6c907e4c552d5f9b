import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../lib/config.ts';

const INSTANCE = 'arn:aws:connect:eu-west-2:123456789012:instance/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b';

describe('stage config', () => {
  it('defaults to dev with no optional integration', () => {
    // Act
    const config = parseConfig({});

    // Assess
    expect(config.stage).toBe('dev');
    expect(config.removalPolicy).toBe(RemovalPolicy.DESTROY);
    expect(config.logRetention).toBe(RetentionDays.ONE_WEEK);
    expect(config.connectInstances).toEqual([]);
    expect(config.agentEventStreamArn).toBeUndefined();
    expect(config.allowedOrigins).toEqual([]);
    expect(config.logLevel).toBe('INFO');
    expect(config.sourceMaps).toBe(false);
  });

  it('turns source maps on from the command line or cdk.json, and refuses anything but a boolean', () => {
    expect(parseConfig({ sourceMaps: 'true' }).sourceMaps).toBe(true);
    expect(parseConfig({ sourceMaps: 'false' }).sourceMaps).toBe(false);
    expect(parseConfig({ sourceMaps: true }).sourceMaps).toBe(true);
    expect(() => parseConfig({ sourceMaps: 'yes' })).toThrow(/sourceMaps/);
  });

  it('retains data and keeps logs a month in prod', () => {
    const config = parseConfig({ stage: 'prod' });

    expect(config.removalPolicy).toBe(RemovalPolicy.RETAIN);
    expect(config.logRetention).toBe(RetentionDays.ONE_MONTH);
  });

  it('takes the Connect instances as JSON, as a list of ARNs or as the one-instance shorthand', () => {
    const other = INSTANCE.replace('0f1e2d3c', 'aaaaaaaa');
    const stream = 'arn:aws:kinesis:eu-west-2:123456789012:stream/connect-b';

    expect(parseConfig({ connectInstanceArn: INSTANCE }).connectInstances).toEqual([{ instanceArn: INSTANCE }]);
    expect(parseConfig({ connectInstances: `${INSTANCE}, ${other}` }).connectInstances).toEqual([
      { instanceArn: INSTANCE },
      { instanceArn: other },
    ]);
    expect(
      parseConfig({
        connectInstances: JSON.stringify([
          { instanceArn: INSTANCE },
          { instanceArn: other, agentEventStreamArn: stream },
        ]),
      }).connectInstances,
    ).toEqual([{ instanceArn: INSTANCE }, { instanceArn: other, agentEventStreamArn: stream }]);
  });

  it('refuses an instance listed twice and entries that are not instance ARNs', () => {
    expect(() => parseConfig({ connectInstances: [INSTANCE], connectInstanceArn: INSTANCE })).toThrow(/listed twice/);
    expect(() => parseConfig({ connectInstances: '[{"instanceArn":"arn:aws:connect:x"}]' })).toThrow(ConfigError);
    expect(() => parseConfig({ connectInstances: [{ instanceArn: INSTANCE, tenant: 'acme' }] })).toThrow(ConfigError);
  });

  it('splits and trims allowed origins', () => {
    const config = parseConfig({ allowedOrigins: ' https://a.example.com, http://localhost:5173 ,' });

    expect(config.allowedOrigins).toEqual(['https://a.example.com', 'http://localhost:5173']);
  });

  it('treats an empty -c value as absent', () => {
    const config = parseConfig({ connectInstanceArn: '', allowedOrigins: ' ' });

    expect(config.connectInstances).toEqual([]);
    expect(config.allowedOrigins).toEqual([]);
  });

  it('rejects invalid context, naming every bad parameter', () => {
    const act = () =>
      parseConfig({
        stage: 'staging',
        connectInstanceArn: 'arn:aws:connect:eu-west-2:123456789012:instance/not-a-uuid',
        agentEventStreamArn: 'my-stream',
        alarmEmail: 'nobody',
        allowedOrigins: 'https://ok.example.com,https://bad.example.com/path',
      });

    expect(act).toThrow(ConfigError);
    let message = '';
    try {
      act();
    } catch (e) {
      message = (e as Error).message;
    }
    for (const key of ['stage', 'connectInstanceArn', 'agentEventStreamArn', 'alarmEmail', 'allowedOrigins']) {
      expect(message).toContain(`- ${key}`);
    }
    expect(message).toContain('"staging"');
  });
});
