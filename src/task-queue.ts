/** The one task queue deploy workflows and their activities run on. */
export const TASK_QUEUE = 'hybrid-deploy';
