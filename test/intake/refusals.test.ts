/**
 * A refused incident update is answered by its refusal type (contracts/refusals.ts), never by its
 * message: each test's message says the opposite of what the old message regex would have chosen.
 *
 * The HTTP tests listen on a loopback port rather than use `fastify.inject`: light-my-request
 * requires the ESM-only `cookie` package, which jest cannot load on Node 20.
 */
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { REFUSAL_HTTP_STATUS, REFUSAL_TYPES, refusal } from '../../contracts/refusals';
import type { Channel } from '../../contracts/incident';
import { buildIntake, libraryFromPlans } from '../../apps/intake';
import { refusalOf, refusalStatus } from '../../apps/intake/errors';
import { SessionKeys } from '../../apps/intake/session';
import { signApproval, verifyApproval } from '../../services/notify';
import { config, plan, state } from './support/fixtures';
import { asClientSees, refusingClient } from './support/refusing-client';

/** A message the old regex would have answered differently from the type's status. */
const misleading = (status: number): string =>
  status === 403 ? 'step terminate is busy; try again' : 'carol is not an approver (forbidden)';

const cases = Object.values(REFUSAL_TYPES).map((type) => ({ type, status: REFUSAL_HTTP_STATUS[type] }));
/** A validator that throws a plain Error (what the workflow does before typed refusals). */
const untyped = () => new Error('dave is not an approver for step terminate');

describe('refusalStatus', () => {
  it.each(cases)('answers $status for refusal type $type, whatever its message says', ({ type, status }) => {
    const err = asClientSees(refusal(type, misleading(status)));
    expect(err.cause).toBeInstanceOf(ApplicationFailure);
    expect(refusalStatus(err)).toBe(status);
    expect(refusalOf(err)).toEqual({ reason: misleading(status), status });
  });

  it('answers a generic 409 conflict for an update failure whose type names no refusal', () => {
    const err = asClientSees(untyped());
    expect((err.cause as ApplicationFailure).type).toBe('Error');
    expect(refusalStatus(err)).toBe(409);
    expect(refusalOf(err)).toEqual({ reason: untyped().message, status: 409 });
  });

  it('sees no refusal in failures that are not a refused update', () => {
    expect(refusalOf(new WorkflowNotFoundError('gone', 'incident-x', undefined))).toBeUndefined();
    expect(refusalOf(new Error('connection refused'))).toBeUndefined();
  });
});

const INCIDENT = state().id;
let app: FastifyInstance | undefined;
afterEach(() => app?.close());

/** An intake listening on loopback whose incident refuses every update with `refused`. */
async function intakeRefusingWith(refused: Error) {
  const scripted = refusingClient(refused, state());
  app = await buildIntake({
    client: scripted.client,
    config: config({ intake: { ...config().intake, tokens: { 'tok-dave': 'dave' } } }),
    library: libraryFromPlans([plan()]),
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url, signals: scripted.signals };
}

/** The refusal signal the intake sends when dave's approval of step terminate is refused. */
const recordedRefusal = (channel: Channel, reason: string) => ({
  workflowId: INCIDENT,
  name: 'refusal',
  arg: { actor: { person: 'dave', channel }, action: 'approve', stepId: 'terminate', reason },
});

describe('the incident API', () => {
  const approve = (url: string) =>
    fetch(`${url}/v1/incidents/${INCIDENT}/approve`, {
      method: 'POST',
      headers: { authorization: 'Bearer tok-dave', 'content-type': 'application/json' },
      body: JSON.stringify({ stepId: 'terminate' }),
    });

  it.each(cases)(
    'answers $status to refusal type $type and records the refusal on the incident',
    async ({ type, status }) => {
      const intake = await intakeRefusingWith(asClientSees(refusal(type, misleading(status))));
      const res = await approve(intake.url);
      expect(res.status).toBe(status);
      expect(await res.json()).toEqual({ error: misleading(status) });
      expect(intake.signals).toEqual([recordedRefusal('api', misleading(status))]);
    },
  );

  it('answers 409 to a refusal without a refusal type', async () => {
    const intake = await intakeRefusingWith(asClientSees(untyped()));
    const res = await approve(intake.url);
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({ error: untyped().message });
  });
});

describe('one-click approval links', () => {
  /** Presses Approve on the link's confirmation page (a POST with the page's token). */
  const follow = (url: string) => {
    const key = config().approvalSigningKey;
    const token = signApproval(key, {
      incidentId: INCIDENT,
      stepId: 'terminate',
      person: 'dave',
      decision: 'approve',
      expiresAt: Date.now() + 60_000,
    });
    const confirm = new SessionKeys(key, 60_000).formToken('approval', verifyApproval(key, token).nonce);
    return fetch(`${url}/v1/approvals/${token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ confirm, decision: 'approve' }).toString(),
    });
  };

  it.each(cases)(
    'answer $status to refusal type $type with a page giving the reason',
    async ({ type, status }) => {
      const intake = await intakeRefusingWith(asClientSees(refusal(type, misleading(status))));
      const res = await follow(intake.url);
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const body = await res.text();
      expect(body).toContain('Step not approved');
      expect(body).toContain(misleading(status));
      expect(intake.signals).toEqual([recordedRefusal('email', misleading(status))]);
    },
  );

  it('answer 409 to a refusal without a refusal type', async () => {
    const intake = await intakeRefusingWith(asClientSees(untyped()));
    const res = await follow(intake.url);
    expect(res.status).toBe(409);
    expect(await res.text()).toContain(untyped().message);
  });
});
