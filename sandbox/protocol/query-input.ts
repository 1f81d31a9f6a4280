/**
 * Reads an AWS Query request (EC2 or awsQuery, e.g. ELBv2) into the SDK's input shape.
 *
 * Why schema-driven: the wire names (`Filter.1.Value.1`, `TagSpecification.1.Tag.1.Key`,
 * `Targets.member.1.Id`) come from the service model's `ec2QueryName`/`xmlName` traits. The
 * AWS SDK v3 ships that model as schemas, so reading them mirrors the SDK's own serializer
 * (`QueryShapeSerializer` in `@aws-sdk/core/protocols`) and yields typed input (numbers, booleans,
 * dates) without a hand-written parser per operation.
 */
import { NormalizedSchema } from '@smithy/core/schema';

/** A schema reference as the SDK's clients export them (`DescribeInstancesResult$` …). */
type SchemaRef = Parameters<typeof NormalizedSchema.of>[0];

/** Query dialect: EC2's flattened, capitalized lists, or awsQuery's `.member.N`. */
export type QueryDialect = 'ec2' | 'query';

/** A form parsed into a tree on the dots of its keys; leaves are strings. */
export interface QueryTree {
  [key: string]: QueryTree | string;
}

/**
 * A tree node without a prototype: keys come from the client, and `__proto__` or `constructor`
 * must name a branch of this request, never reach `Object.prototype` (which every later request
 * would inherit).
 */
function branch(): QueryTree {
  return Object.create(null) as QueryTree;
}

/** Splits `a.1.b=x` keys into a tree. A key that is both a leaf and a branch keeps the branch. */
export function parseQueryTree(params: URLSearchParams): QueryTree {
  const root = branch();
  for (const [key, value] of params) {
    const parts = key.split('.');
    let node = root;
    for (let i = 0; i < parts.length - 1; i++) {
      const next = node[parts[i]];
      if (typeof next !== 'object') node[parts[i]] = branch();
      node = node[parts[i]] as QueryTree;
    }
    const last = parts[parts.length - 1];
    if (typeof node[last] !== 'object') node[last] = value;
  }
  return root;
}

/** Reads the tree as the given input schema. Unknown keys are ignored, as AWS ignores them. */
export function readQueryInput(schema: SchemaRef, tree: QueryTree, dialect: QueryDialect): Record<string, unknown> {
  const value = readValue(NormalizedSchema.of(schema), tree, dialect);
  return (value && typeof value === 'object' ? value : {}) as Record<string, unknown>;
}

function memberKey(name: string, member: NormalizedSchema, dialect: QueryDialect): string {
  const traits = member.getMergedTraits();
  if (dialect === 'ec2') {
    const ec2QueryName = traits.ec2QueryName as string | undefined;
    if (ec2QueryName) return ec2QueryName;
    const key = traits.xmlName ?? name;
    return key[0].toUpperCase() + key.slice(1);
  }
  return traits.xmlName ?? name;
}

function numberedChildren(node: QueryTree | string | undefined): (QueryTree | string)[] {
  if (!node || typeof node !== 'object') return [];
  return Object.keys(node)
    .filter((k) => /^\d+$/.test(k))
    .sort((a, b) => Number(a) - Number(b))
    .map((k) => node[k]);
}

function readValue(ns: NormalizedSchema, node: QueryTree | string | undefined, dialect: QueryDialect): unknown {
  if (node === undefined) return undefined;
  if (ns.isStructSchema()) {
    if (typeof node !== 'object') return undefined;
    const out: Record<string, unknown> = {};
    for (const [name, member] of ns.structIterator()) {
      const v = readValue(member, node[memberKey(name, member, dialect)], dialect);
      if (v !== undefined) out[name] = v;
    }
    return out;
  }
  if (ns.isListSchema()) {
    // awsQuery sends `Key=` for an empty list.
    if (typeof node !== 'object') return [];
    const item = ns.getValueSchema();
    const flat = dialect === 'ec2' || !!ns.getMergedTraits().xmlFlattened;
    const container = flat ? node : node[item.getMergedTraits().xmlName ?? 'member'];
    return numberedChildren(container).map((child) => readValue(item, child, dialect));
  }
  if (ns.isMapSchema()) {
    if (typeof node !== 'object') return {};
    const flat = !!ns.getMergedTraits().xmlFlattened;
    const entries = numberedChildren(flat ? node : node.entry);
    const keyName = ns.getKeySchema().getMergedTraits().xmlName ?? 'key';
    const valueName = ns.getValueSchema().getMergedTraits().xmlName ?? 'value';
    const out: Record<string, unknown> = {};
    for (const entry of entries) {
      if (typeof entry !== 'object' || typeof entry[keyName] !== 'string') continue;
      // A plain assignment of the key `__proto__` would replace the map's prototype instead of adding an entry.
      Object.defineProperty(out, entry[keyName] as string, { value: readValue(ns.getValueSchema(), entry[valueName], dialect), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  if (typeof node === 'object') return undefined;
  if (ns.isBooleanSchema()) return node === 'true';
  if (ns.isNumericSchema()) return Number(node);
  if (ns.isTimestampSchema()) return new Date(/^\d+(\.\d+)?$/.test(node) ? Number(node) * 1000 : node);
  if (ns.isBlobSchema()) return Buffer.from(node, 'base64');
  return node;
}
