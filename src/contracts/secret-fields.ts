/**
 * Which values in a workflow payload may carry a secret, so the payload codec seals (encrypts)
 * them and nothing else: encrypt the secret, not the story. Ids, versions, phases, regions and
 * summaries stay readable in the Web UI without the codec key; these do not:
 * - any `url` or `…Url` property (the artifact URL: a presigned URL's query is a credential);
 * - user commands: `commands` and `postDeploy` lists, and `start`, `stop`, `restart` of a `service`
 *   (people put tokens in commands);
 * - command output: `stdout`, `stderr`.
 * A new secret-bearing field is sealed by naming it so (e.g. `webhookUrl`), or by adding it here.
 */
export function isSecretField(key: string, parentKey: string | undefined): boolean {
  if (key === 'url' || /^[a-z][A-Za-z0-9]*Url$/.test(key)) return true;
  if (key === 'commands' || key === 'postDeploy' || key === 'stdout' || key === 'stderr') return true;
  return parentKey === 'service' && (key === 'start' || key === 'stop' || key === 'restart');
}
