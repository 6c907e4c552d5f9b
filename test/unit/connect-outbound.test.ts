import { StartOutboundVoiceContactCommand } from '@aws-sdk/client-connect';
import { describe, expect, it } from 'vitest';
import { SdkOutboundCaller } from '../../functions/adapters/connect-outbound.ts';

const LONDON_ID = '0f1e2d3c-4b5a-4978-8a9b-0c1d2e3f4a5b';
const VIRGINIA_ID = '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const arn = (region: string, id: string) => `arn:aws:connect:${region}:123456789012:instance/${id}`;
const LINES = {
  [LONDON_ID]: { destinationPhoneNumber: '+442071234567', sourcePhoneNumber: '+442071234568' },
  [VIRGINIA_ID]: { destinationPhoneNumber: '+15550100100' },
};

/** A client per region that records what it was sent. */
function clients() {
  const sent: Array<{ region: string; input: StartOutboundVoiceContactCommand['input'] }> = [];
  const made: string[] = [];
  const clientFor = (region: string) => {
    made.push(region);
    return {
      send: async (command: unknown) => {
        if (!(command instanceof StartOutboundVoiceContactCommand)) throw new Error('unexpected command');
        sent.push({ region, input: { ...command.input } });
        return { ContactId: `contact-${sent.length}` };
      },
    } as never;
  };
  return { sent, made, clientFor };
}

const request = (instanceArn: string, instanceId: string) => ({
  instanceId,
  instanceArn,
  contactFlowId: '1b0e6b2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b',
  attributes: { hbId: 'h1' },
  clientToken: 'h1',
});

describe('SdkOutboundCaller', () => {
  it("starts the call in the bound instance's own region with that instance's operator line", async () => {
    const c = clients();
    const caller = new SdkOutboundCaller(LINES, c.clientFor);
    expect(await caller.start(request(arn('eu-west-2', LONDON_ID), LONDON_ID))).toEqual({ contactId: 'contact-1' });
    expect(await caller.start(request(arn('us-east-1', VIRGINIA_ID), VIRGINIA_ID))).toEqual({
      contactId: 'contact-2',
    });
    await caller.start(request(arn('eu-west-2', LONDON_ID), LONDON_ID));
    expect(c.sent.map((s) => [s.region, s.input.InstanceId, s.input.DestinationPhoneNumber])).toEqual([
      ['eu-west-2', LONDON_ID, '+442071234567'],
      ['us-east-1', VIRGINIA_ID, '+15550100100'],
      ['eu-west-2', LONDON_ID, '+442071234567'],
    ]);
    expect(c.sent[1]?.input.SourcePhoneNumber).toBeUndefined();
    // One client per region, reused.
    expect(c.made).toEqual(['eu-west-2', 'us-east-1']);
  });

  it('calls nobody for an instance without a line, or when the id does not match the ARN', async () => {
    const c = clients();
    const caller = new SdkOutboundCaller({ [LONDON_ID]: LINES[LONDON_ID] }, c.clientFor);
    expect(caller.canCall(VIRGINIA_ID)).toBe(false);
    await expect(caller.start(request(arn('us-east-1', VIRGINIA_ID), VIRGINIA_ID))).rejects.toThrow(
      /No heartbeat line/,
    );
    await expect(caller.start(request(arn('eu-west-2', VIRGINIA_ID), LONDON_ID))).rejects.toThrow(/is not/);
    expect(c.sent).toHaveLength(0);
  });
});
