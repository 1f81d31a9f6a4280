/** The SSM allow-list (`X-Amz-Target: AmazonSSM.<Operation>`). Anything else is `UnknownOperationException`. */
import type { OperationTable } from '../protocol/handler';
import { cancelCommand, getCommandInvocation, listCommandInvocations, sendCommand } from './commands';
import { describeInstanceInformation } from './instance-information';
import { getParameter, getParametersByPath, putParameter } from './parameters';

export const SSM_OPERATIONS: OperationTable = {
  DescribeInstanceInformation: describeInstanceInformation,
  SendCommand: sendCommand,
  GetCommandInvocation: getCommandInvocation,
  ListCommandInvocations: listCommandInvocations,
  CancelCommand: cancelCommand,
  GetParameter: getParameter,
  PutParameter: putParameter,
  GetParametersByPath: getParametersByPath,
};
