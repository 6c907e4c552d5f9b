import { beforeAll, describe, expect, it } from 'vitest';
import { functionParts, resourcesOf, type SynthResult, synthApp } from './support.ts';

/**
 * Least privilege of the issue-report functions: the read routes (list, export) can read the table and nothing
 * else — no write, no @connections — while creating a report may write and push to the supervisors' feed.
 */
describe('issue report functions', () => {
  let s: SynthResult;
  beforeAll(() => {
    s = synthApp({}, { nag: false });
  });

  const parts = (name: string) => functionParts(s, name);

  it.each(['HttpReportsList', 'HttpReportsExport'])('%s only reads the table', (name) => {
    const { env, actions } = parts(name);
    expect(env.WS_ENDPOINT).toBeUndefined();
    expect(actions).toContain('dynamodb:Query');
    expect(actions.filter((a) => /^dynamodb:(Put|Update|Delete|BatchWrite)/.test(a))).toEqual([]);
    expect(actions.filter((a) => a.startsWith('execute-api:'))).toEqual([]);
  });

  it.each(['HttpReportsCreate', 'WsReportIssue'])('%s writes reports and pushes to the feed', (name) => {
    const { env, actions } = parts(name);
    expect(env.WS_ENDPOINT).toBeDefined();
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'execute-api:ManageConnections']));
    expect(actions.filter((a) => a.startsWith('lambda:') || a.startsWith('connect:'))).toEqual([]);
  });

  it('routes POST/GET /reports, GET /reports/export and the reportIssue action', () => {
    const keys = resourcesOf(s.apiTemplate, 'AWS::ApiGatewayV2::Route').map(
      ([, r]) => (r.Properties as { RouteKey: string }).RouteKey,
    );
    expect(keys).toEqual(
      expect.arrayContaining(['POST /reports', 'GET /reports', 'GET /reports/export', 'reportIssue']),
    );
  });
});
