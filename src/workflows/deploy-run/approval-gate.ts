import { condition, setHandler } from '@temporalio/workflow';
import type { WaitingFleet } from '../../contracts';
import { approveUpdate, type ApprovalDecision, type ApprovalRequest, type ApprovalStatus, type DeployStatus } from '../messages';

/** The longest name a decider may give (`--by`); longer is a mistake, not a name. */
const MAX_DECIDER_LENGTH = 100;
const MAX_REASON_LENGTH = 1_000;

/**
 * The deploy's side of `approveUpdate`: the handler is registered from the start, so an approval
 * sent to a deploy that is not waiting is refused by the validator with a message that says where
 * the deploy is, instead of being left unanswered. The decision is recorded in the status (who,
 * when, why), which `status` and the Web UI's current details show.
 */
export class ApprovalGate {
  constructor(
    private readonly status: DeployStatus,
    private readonly changed: () => void,
  ) {
    setHandler(approveUpdate, (request) => this.decide(request), { validator: (request) => this.validate(request) });
  }

  /**
   * Waits for a decision until `timeoutHours` have passed; resolves to the decision, or undefined
   * when nobody decided in time (the status then says `timed-out`).
   */
  async wait(waiting: WaitingFleet, timeoutHours: number): Promise<ApprovalDecision | undefined> {
    const now = Date.now();
    const timeoutMs = Math.round(timeoutHours * 3_600_000);
    const approval: ApprovalStatus = {
      state: 'waiting',
      waitingSince: new Date(now).toISOString(),
      deadline: new Date(now + timeoutMs).toISOString(),
      waiting,
    };
    this.status.approval = approval;
    this.changed();
    const decided = await condition(() => approval.decision !== undefined, timeoutMs, { summary: `wait for approval (times out after ${timeoutHours}h)` });
    if (!decided) {
      approval.state = 'timed-out';
      this.changed();
    }
    return approval.decision;
  }

  /** Refuses what cannot be a decision (the Update is then rejected; nothing is recorded in history). */
  private validate(request: ApprovalRequest): void {
    const approval = this.status.approval;
    if (approval?.state !== 'waiting') {
      const where = approval ? `its approval gate is closed (${approval.state})` : `it is in phase ${this.status.phase}`;
      throw new Error(`this deploy is not waiting for approval: ${where}`);
    }
    if (typeof request?.approve !== 'boolean') throw new Error('say whether to approve or reject');
    const by = typeof request.by === 'string' ? request.by.trim() : '';
    if (by === '' || by.length > MAX_DECIDER_LENGTH) throw new Error(`name who decides (--by NAME, 1-${MAX_DECIDER_LENGTH} characters)`);
    const reason = typeof request.reason === 'string' ? request.reason.trim() : '';
    if (!request.approve && reason === '') throw new Error('a rejection needs a reason (--reason "why")');
    if (reason.length > MAX_REASON_LENGTH) throw new Error(`the reason is ${reason.length} characters long (at most ${MAX_REASON_LENGTH})`);
  }

  private decide(request: ApprovalRequest): ApprovalDecision {
    const approval = this.status.approval!;
    const reason = request.reason?.trim();
    const decision: ApprovalDecision = { approved: request.approve, by: request.by.trim(), at: new Date(Date.now()).toISOString(), ...(reason ? { reason } : {}) };
    approval.decision = decision;
    approval.state = decision.approved ? 'approved' : 'rejected';
    this.changed();
    return decision;
  }
}
