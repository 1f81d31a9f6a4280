/** StartInstances, StopInstances, TerminateInstances. */
import type {
  InstanceStateChange,
  StartInstancesRequest,
  StartInstancesResult,
  StopInstancesRequest,
  StopInstancesResult,
  TerminateInstancesRequest,
  TerminateInstancesResult,
} from '@aws-sdk/client-ec2';
import { AwsApiError, required } from '../protocol/errors';
import type { OperationContext } from '../protocol/handler';
import type { InstanceRecord } from '../state/instances';
import { beginStart, beginStop, beginTerminate } from './instance-lifecycle';
import { requireInstances } from './lookup';
import { instanceState } from './render';

/** Applies `change` to each instance and reports previous/current state, as AWS does. */
function changeEach(instances: InstanceRecord[], change: (i: InstanceRecord) => void): InstanceStateChange[] {
  return instances.map((i) => {
    const previous = instanceState(i);
    change(i);
    return { InstanceId: i.id, PreviousState: previous, CurrentState: instanceState(i) };
  });
}

/** Every instance is checked before any changes, so one bad id changes nothing (as AWS). */
function checkAll(instances: InstanceRecord[], allowed: (i: InstanceRecord) => boolean, verb: string): void {
  const bad = instances.find((i) => !allowed(i));
  if (bad) throw new AwsApiError('IncorrectInstanceState', `The instance '${bad.id}' is not in a state from which it can be ${verb}.`);
}

export function startInstances({ state, region }: OperationContext, input: StartInstancesRequest): StartInstancesResult {
  const instances = requireInstances(state, region, required(input.InstanceIds, 'InstanceIds'));
  checkAll(instances, (i) => i.state === 'stopped' || i.state === 'running' || i.state === 'pending', 'started');
  return { StartingInstances: changeEach(instances, (i) => i.state === 'stopped' && beginStart(state, i)) };
}

export function stopInstances({ state, region }: OperationContext, input: StopInstancesRequest): StopInstancesResult {
  const instances = requireInstances(state, region, required(input.InstanceIds, 'InstanceIds'));
  checkAll(instances, (i) => i.state === 'running' || i.state === 'stopping' || i.state === 'stopped', 'stopped');
  return { StoppingInstances: changeEach(instances, (i) => i.state === 'running' && beginStop(state, i)) };
}

export function terminateInstances({ state, region }: OperationContext, input: TerminateInstancesRequest): TerminateInstancesResult {
  const instances = requireInstances(state, region, required(input.InstanceIds, 'InstanceIds'));
  return {
    TerminatingInstances: changeEach(instances, (i) => i.state !== 'terminated' && i.state !== 'shutting-down' && beginTerminate(state, i)),
  };
}
