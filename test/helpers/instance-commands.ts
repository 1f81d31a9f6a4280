import { GetCommandInvocationCommand, SendCommandCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { until } from './outcomes';

/**
 * Runs a shell command on instances through SSM, as an operator would, and waits until every
 * invocation has finished (not a fixed pause): the command's effect is there when this returns.
 * Fails unless it succeeded everywhere.
 */
export async function runOnInstances(ssm: SSMClient, instanceIds: string[], command: string): Promise<void> {
  const { Command } = await ssm.send(new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: instanceIds, Parameters: { commands: [command] } }));
  for (const InstanceId of instanceIds) {
    const invocation = await until(`"${command}" on ${InstanceId}`, async () => {
      const found = await ssm.send(new GetCommandInvocationCommand({ CommandId: Command!.CommandId, InstanceId })).catch((error: Error) => {
        // SSM answers InvocationDoesNotExist for a moment after SendCommand.
        if (error.name === 'InvocationDoesNotExist') return undefined;
        throw error;
      });
      return found && !['Pending', 'InProgress', 'Delayed'].includes(found.Status ?? '') ? found : undefined;
    });
    expect({ instanceId: InstanceId, status: invocation.Status, stderr: invocation.StandardErrorContent }).toEqual({ instanceId: InstanceId, status: 'Success', stderr: '' });
  }
}
