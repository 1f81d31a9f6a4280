/**
 * Writes an operation's output as XML, element names taken from the SDK's own schemas.
 *
 * Why schema-driven: the names the SDK (and botocore) read — `reservationSet`, `instancesSet`,
 * `item`, `tagSet`, `imageState`, ELBv2's `member` — are the model's `xmlName` traits. Writing
 * from the same schemas is what makes every field come back with the name and type the SDK's
 * `XmlShapeDeserializer` expects.
 */
import { NormalizedSchema } from '@smithy/core/schema';

/** A schema reference as the SDK's clients export them (`DescribeInstancesResult$` …). */
type SchemaRef = Parameters<typeof NormalizedSchema.of>[0];

/** Escapes text for an XML element body. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Renders the members of `value` (an output object in SDK shape) as XML elements. */
export function writeXmlMembers(schema: SchemaRef, value: Record<string, unknown>): string {
  return writeStructBody(NormalizedSchema.of(schema), value);
}

function writeStructBody(ns: NormalizedSchema, value: Record<string, unknown>): string {
  let out = '';
  for (const [name, member] of ns.structIterator()) {
    const v = value[name];
    if (v === undefined || v === null) continue;
    const element = member.getMemberTraits().xmlName ?? name;
    out += writeElement(member, element, v);
  }
  return out;
}

function writeElement(ns: NormalizedSchema, element: string, value: unknown): string {
  if (ns.isListSchema()) {
    const items = Array.isArray(value) ? value : [value];
    const item = ns.getValueSchema();
    if (ns.getMergedTraits().xmlFlattened) return items.map((v) => writeElement(item, element, v)).join('');
    const itemName = item.getMergedTraits().xmlName ?? 'member';
    return `<${element}>${items.map((v) => writeElement(item, itemName, v)).join('')}</${element}>`;
  }
  if (ns.isMapSchema()) {
    const keyName = ns.getKeySchema().getMergedTraits().xmlName ?? 'key';
    const valueName = ns.getValueSchema().getMergedTraits().xmlName ?? 'value';
    const entries = Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `<entry><${keyName}>${escapeXml(k)}</${keyName}>${writeElement(ns.getValueSchema(), valueName, v)}</entry>`)
      .join('');
    return `<${element}>${entries}</${element}>`;
  }
  if (ns.isStructSchema()) {
    return `<${element}>${writeStructBody(ns, value as Record<string, unknown>)}</${element}>`;
  }
  return `<${element}>${escapeXml(scalarText(ns, value))}</${element}>`;
}

function scalarText(ns: NormalizedSchema, value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (ns.isBlobSchema() && value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return String(value);
}
