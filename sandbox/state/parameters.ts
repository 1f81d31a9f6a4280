/** SSM parameters per region. */
import type { ParameterType } from '@aws-sdk/client-ssm';

/** One parameter (the latest version; history is not kept). */
export interface ParameterRecord {
  readonly region: string;
  readonly name: string;
  type: ParameterType;
  value: string;
  version: number;
  lastModified: Date;
  dataType: string;
  description?: string;
  /** Public parameters (`/aws/service/...`) cannot be overwritten. */
  readonly public: boolean;
}

/** Parameters keyed by region and name. */
export class ParameterStore {
  private readonly byKey = new Map<string, ParameterRecord>();

  get(region: string, name: string): ParameterRecord | undefined {
    return this.byKey.get(`${region}\0${name}`);
  }

  put(record: ParameterRecord): void {
    this.byKey.set(`${record.region}\0${record.name}`, record);
  }

  /** Parameters under `path` (one level, or every level when recursive), sorted by name. */
  listByPath(region: string, path: string, recursive: boolean): ParameterRecord[] {
    const prefix = path.endsWith('/') ? path : `${path}/`;
    return [...this.byKey.values()]
      .filter((p) => p.region === region && p.name.startsWith(prefix))
      .filter((p) => recursive || !p.name.slice(prefix.length).includes('/'))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  listAll(): ParameterRecord[] {
    return [...this.byKey.values()];
  }

  clear(): void {
    this.byKey.clear();
  }
}
