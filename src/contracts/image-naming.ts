/**
 * The deterministic image name for one deploy run: the same in every region and on every retry,
 * so a resumed bake or copy finds its image by name. AMI names are unique per account and region
 * and allow 3-128 of letters, digits and `()[] ./-'@_`. Pure, so workflows can call it.
 */
export function imageNameFor(app: string, version: string, runId: string): string {
  const safeVersion = version.replace(/[^A-Za-z0-9()[\] ./\-'@_]/g, '_');
  return `hybrid-deploy/${app}/${safeVersion}/${runId}`.slice(0, 128);
}
