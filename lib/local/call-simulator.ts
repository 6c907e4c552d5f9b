import { createHash, randomUUID } from 'node:crypto';
import { estimateMos } from '../../functions/domain/heartbeat-model.ts';
import type { ConnectOperation } from './connect-emulator.ts';
import { RestJsonError } from './http-util.ts';
import { invoke, type LambdaHandler } from './lambda.ts';
import { LOCAL_ACCOUNT, type LocalLog } from './local-aws.ts';

/**
 * The Connect emulator's call simulator: an admitted `StartOutboundVoiceContact` plays out as a real test call would.
 * The contact flow's Lambda blocks are invoked with real-shaped `ContactFlowEvent` payloads (`route`, then `outcome`),
 * and the routed agent's softphone produces Agent Event Stream records in Connect's own format — Ringing, In a call,
 * Wrap-up, then Available — written to the local agent-event stream. Failure modes are injected on request.
 */

export const FAILURE_MODES = ['no-answer', 'softphone-down', 'throttle'] as const;
export type FailureMode = (typeof FAILURE_MODES)[number];

/** What Connect knows of an agent (routing profile, hierarchy): the simulator asks the local directory. */
export interface SimulatedAgentProfile {
  readonly displayName?: string;
  readonly team?: string;
  readonly queues: readonly string[];
}

export interface CallSimulatorOptions {
  /** Writes agent-event records into the agent-event stream (partitioned by agent, as Connect does). */
  readonly writeAgentEvents: (records: ReadonlyArray<{ partitionKey: string; data: unknown }>) => Promise<void>;
  readonly profileOf?: (tenant: string, agent: string) => Promise<SimulatedAgentProfile | undefined>;
  /** Pauses between the call's steps, in ms. */
  readonly timings?: Partial<Timings>;
  readonly region?: string;
  readonly account?: string;
  readonly log: LocalLog;
}

interface Timings {
  readonly dialMs: number;
  readonly ringMs: number;
  readonly talkMs: number;
  readonly wrapMs: number;
}
const DEFAULT_TIMINGS: Timings = { dialMs: 200, ringMs: 400, talkMs: 1200, wrapMs: 400 };

export interface SimulatedCall {
  readonly contactId: string;
  readonly instanceId: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly failure?: FailureMode;
  /** What happened, in order: flow steps with their replies, agent states written. */
  readonly steps: Array<{ at: number; step: string; detail?: unknown }>;
  done: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** A stable Connect user id (UUID-shaped) for a username. */
const userIdOf = (username: string) => {
  const h = createHash('sha256').update(username).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

export class CallSimulator {
  private readonly timings: Timings;
  private readonly region: string;
  private readonly account: string;
  private flowLambda: { name: string; handler: LambdaHandler } | undefined;
  private failures: FailureMode[] = [];
  private readonly byToken = new Map<string, string>();
  private readonly played: SimulatedCall[] = [];
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly opts: CallSimulatorOptions) {
    this.timings = { ...DEFAULT_TIMINGS, ...opts.timings };
    this.region = opts.region ?? 'us-east-1';
    this.account = opts.account ?? LOCAL_ACCOUNT;
  }

  /** The contact-flow Lambda the simulated flow invokes (the registry's `connect-flow` function). */
  setContactFlowLambda(fn: { name: string; handler: LambdaHandler }): void {
    this.flowLambda = fn;
  }

  /** The next `count` calls fail this way (in order of injection). */
  injectFailure(mode: FailureMode, count = 1): void {
    for (let i = 0; i < count; i++) this.failures.push(mode);
  }

  calls(): readonly SimulatedCall[] {
    return this.played;
  }

  /** Resolves when every call under way has played out. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** `StartOutboundVoiceContact`, replacing the emulator's plain answer. */
  operation(): ConnectOperation {
    return {
      name: 'StartOutboundVoiceContact',
      method: 'PUT',
      path: '/contact/outbound-voice',
      required: ['InstanceId', 'ContactFlowId', 'DestinationPhoneNumber'],
      respond: (input, { instanceId }) => {
        const token = typeof input.ClientToken === 'string' ? input.ClientToken : undefined;
        const known = token ? this.byToken.get(token) : undefined;
        // Connect's idempotency: the same ClientToken is the same contact, not a second call.
        if (known) return { ContactId: known };
        if (this.failures[0] === 'throttle') {
          this.failures.shift();
          throw new RestJsonError(429, 'TooManyRequestsException', 'Rate exceeded (simulated)');
        }
        const contactId = randomUUID();
        if (token) this.byToken.set(token, contactId);
        const attributes = Object.fromEntries(
          Object.entries((input.Attributes as Record<string, unknown> | undefined) ?? {}).map(([k, v]) => [
            k,
            String(v),
          ]),
        );
        const failure = this.failures.shift();
        const call: SimulatedCall = {
          contactId,
          instanceId,
          attributes,
          ...(failure ? { failure } : {}),
          steps: [],
          done: false,
        };
        this.played.push(call);
        const job = this.play(call, input).catch((error: unknown) =>
          this.opts.log('error', 'simulated call failed', { contactId, error: String(error) }),
        );
        this.running.add(job);
        void job.finally(() => this.running.delete(job));
        return { ContactId: contactId };
      },
    };
  }

  /** `POST /_local/simulate {"failure": mode, "count"?}` on the Connect emulator. */
  control(body: Record<string, unknown>): Record<string, unknown> {
    const mode = body.failure;
    const count = body.count === undefined ? 1 : Number(body.count);
    if (!FAILURE_MODES.includes(mode as FailureMode) || !Number.isInteger(count) || count < 1 || count > 100) {
      throw new RestJsonError(400, 'InvalidParameterException', `failure must be one of ${FAILURE_MODES.join(', ')}`);
    }
    this.injectFailure(mode as FailureMode, count);
    return { pending: [...this.failures] };
  }

  private instanceArn(instanceId: string) {
    return `arn:aws:connect:${this.region}:${this.account}:instance/${instanceId}`;
  }

  private async flowStep(
    call: SimulatedCall,
    input: Record<string, unknown>,
    parameters: Record<string, string>,
  ): Promise<Record<string, unknown> | undefined> {
    const fn = this.flowLambda;
    if (!fn) {
      this.opts.log('warn', 'no contact-flow Lambda registered; the simulated flow stops', {
        contactId: call.contactId,
      });
      return undefined;
    }
    const event = {
      Name: 'ContactFlowEvent',
      Details: {
        ContactData: {
          Attributes: call.attributes,
          Channel: 'VOICE',
          ContactId: call.contactId,
          CustomerEndpoint: { Address: String(input.DestinationPhoneNumber), Type: 'TELEPHONE_NUMBER' },
          InitialContactId: call.contactId,
          InitiationMethod: 'OUTBOUND',
          InstanceARN: this.instanceArn(call.instanceId),
          PreviousContactId: call.contactId,
          Queue: input.QueueId ? { ARN: `${this.instanceArn(call.instanceId)}/queue/${input.QueueId}` } : null,
          SystemEndpoint: input.SourcePhoneNumber
            ? { Address: String(input.SourcePhoneNumber), Type: 'TELEPHONE_NUMBER' }
            : null,
          MediaStreams: { Customer: { Audio: null } },
        },
        Parameters: parameters,
      },
    };
    const reply = (await invoke(fn.name, fn.handler, event, 8_000)) as Record<string, unknown>;
    call.steps.push({ at: Date.now(), step: parameters.step ?? '?', detail: reply });
    return reply;
  }

  private async agentState(
    call: SimulatedCall,
    agent: string,
    profile: SimulatedAgentProfile | undefined,
    state: 'CONNECTING' | 'CONNECTED' | 'MISSED' | 'ENDED' | undefined,
  ): Promise<void> {
    const instanceArn = this.instanceArn(call.instanceId);
    const at = new Date().toISOString();
    const [first = agent, ...rest] = (profile?.displayName ?? agent).split(' ');
    const record = {
      AgentARN: `${instanceArn}/agent/${userIdOf(agent)}`,
      AWSAccountId: this.account,
      EventId: randomUUID(),
      EventTimestamp: at,
      EventType: 'STATE_CHANGE',
      InstanceARN: instanceArn,
      Version: '2017-10-01',
      CurrentAgentSnapshot: {
        AgentStatus: {
          ARN: `${instanceArn}/agent-state/available`,
          Name: 'Available',
          StartTimestamp: at,
          Type: 'ROUTABLE',
        },
        NextAgentStatus: null,
        Configuration: {
          FirstName: first,
          LastName: rest.join(' '),
          Username: agent,
          AgentHierarchyGroups: profile?.team
            ? { Level1: { ARN: `${instanceArn}/agent-group/${profile.team}`, Name: profile.team } }
            : null,
          RoutingProfile: {
            ARN: `${instanceArn}/routing-profile/default`,
            Name: 'Default',
            InboundQueues: (profile?.queues ?? []).map((q) => ({
              ARN: `${instanceArn}/queue/${q}`,
              Name: q,
              Channels: ['VOICE'],
            })),
            DefaultOutboundQueue: { ARN: `${instanceArn}/queue/outbound`, Name: 'Outbound', Channels: ['VOICE'] },
            Concurrency: [{ Channel: 'VOICE', AvailableSlots: state ? 0 : 1, MaximumSlots: 1 }],
          },
        },
        Contacts: state
          ? [
              {
                ContactId: call.contactId,
                InitialContactId: call.contactId,
                Channel: 'VOICE',
                InitiationMethod: 'OUTBOUND',
                State: state,
                StateStartTimestamp: at,
                ConnectedToAgentTimestamp: state === 'CONNECTED' || state === 'ENDED' ? at : null,
                QueueTimestamp: at,
                Queue: { ARN: `${instanceArn}/queue/agent/${userIdOf(agent)}`, Name: null },
              },
            ]
          : [],
      },
      PreviousAgentSnapshot: null,
    };
    await this.opts.writeAgentEvents([{ partitionKey: record.AgentARN, data: record }]);
    call.steps.push({ at: Date.now(), step: `agent:${state ?? 'AVAILABLE'}`, detail: { agent } });
  }

  private async play(call: SimulatedCall, input: Record<string, unknown>): Promise<void> {
    const t = this.timings;
    try {
      const dialledAt = Date.now();
      await sleep(t.dialMs);
      const route = await this.flowStep(call, input, { step: 'route' });
      const agent = typeof route?.agent === 'string' ? route.agent : undefined;
      if (route?.ok !== 'true' || !agent) return; // the flow takes its error branch and disconnects
      // The agent's softphone is down: it never rings, the flow never reaches its outcome (the backend times out).
      if (call.failure === 'softphone-down') return;
      const tenant = call.attributes.hbTenant;
      const profile = tenant && this.opts.profileOf ? await this.opts.profileOf(tenant, agent) : undefined;

      await this.agentState(call, agent, profile, 'CONNECTING');
      await sleep(t.ringMs);
      if (call.failure === 'no-answer') {
        await this.agentState(call, agent, profile, 'MISSED');
        await this.flowStep(call, input, { step: 'outcome', result: 'no-answer', setupMs: String(t.dialMs) });
        await this.agentState(call, agent, profile, undefined);
        return;
      }
      const answeredAt = Date.now();
      await this.agentState(call, agent, profile, 'CONNECTED');
      await sleep(t.talkMs);
      const quality = simulatedQuality();
      await this.flowStep(call, input, {
        step: 'outcome',
        result: 'answered',
        axScore: quality.ax.toFixed(2),
        cxScore: quality.cx.toFixed(2),
        networkScore: quality.network.toFixed(2),
        mos: quality.mos.toFixed(2),
        setupMs: String(t.dialMs),
        answerMs: String(answeredAt - dialledAt),
      });
      await this.agentState(call, agent, profile, 'ENDED');
      await sleep(t.wrapMs);
      await this.agentState(call, agent, profile, undefined);
    } finally {
      call.done = true;
    }
  }
}

/** A plausible office network: 30–90 ms RTT, 2–8 ms jitter, up to 0.5 % loss; scores on the MOS scale. */
function simulatedQuality() {
  const rtt = 30 + Math.random() * 60;
  const jitter = 2 + Math.random() * 6;
  const loss = Math.random() * 0.5;
  const mos = estimateMos(rtt, jitter, loss);
  return { mos, network: mos, ax: Math.max(1, mos - Math.random() * 0.2), cx: Math.max(1, mos - Math.random() * 0.3) };
}
