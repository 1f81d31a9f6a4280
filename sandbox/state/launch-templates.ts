/** Launch templates: only what image retention needs to know (which image each version names). */

/** One version of a launch template. */
export interface LaunchTemplateVersionRecord {
  versionNumber: number;
  imageId?: string;
  instanceType?: string;
  createTime: Date;
}

/** One launch template of a region. */
export interface LaunchTemplateRecord {
  readonly id: string;
  readonly name: string;
  readonly region: string;
  readonly createTime: Date;
  versions: LaunchTemplateVersionRecord[];
  defaultVersion: number;
}

/** Every launch template; deleted ones are removed. */
export class LaunchTemplateStore {
  private readonly byId = new Map<string, LaunchTemplateRecord>();

  add(template: LaunchTemplateRecord): void {
    this.byId.set(template.id, template);
  }

  find(region: string, id: string | undefined, name: string | undefined): LaunchTemplateRecord | undefined {
    return this.listInRegion(region).find((t) => (id !== undefined && t.id === id) || (name !== undefined && t.name === name));
  }

  listInRegion(region: string): LaunchTemplateRecord[] {
    return [...this.byId.values()].filter((t) => t.region === region);
  }

  delete(id: string): void {
    this.byId.delete(id);
  }

  clear(): void {
    this.byId.clear();
  }
}
