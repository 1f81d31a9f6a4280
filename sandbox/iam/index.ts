/** The IAM allow-list (a global service, Query protocol). Anything else is `InvalidAction`. */
import type { OperationTable } from '../protocol/handler';
import { getInstanceProfile, simulatePrincipalPolicy } from './instance-profiles';

export const IAM_OPERATIONS: OperationTable = {
  GetInstanceProfile: getInstanceProfile,
  SimulatePrincipalPolicy: simulatePrincipalPolicy,
};
