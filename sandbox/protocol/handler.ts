/** The shape every operation handler has: state and typed input in, output out, no HTTP. */
import type { SandboxState } from '../state/sandbox-state';

/** What a handler knows about the request besides its input. */
export interface OperationContext {
  state: SandboxState;
  /** The region from the request's SigV4 credential scope. */
  region: string;
}

/**
 * An operation. Input and output are the AWS SDK's own types (`RunInstancesRequest` →
 * `Reservation`); the protocol layer turns them into and out of the wire format.
 */
// `any` by default: each entry of an allow-list has its own types.
export type OperationHandler<I = any, O = any> = (ctx: OperationContext, input: I) => O | Promise<O>;

/** An allow-list: operation name → handler. Anything else is an unknown operation. */
export type OperationTable = Readonly<Record<string, OperationHandler>>;
