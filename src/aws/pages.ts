/**
 * Every item of a paginated AWS listing (`NextToken` in, `NextToken` out), page after page:
 * a listing that stops at the first page misses what the rest hold (an instance, an image).
 */
export async function allPages<Page extends { NextToken?: string }, Item>(
  fetchPage: (nextToken: string | undefined) => Promise<Page>,
  itemsOf: (page: Page) => Item[] | undefined,
): Promise<Item[]> {
  const items: Item[] = [];
  let nextToken: string | undefined;
  do {
    const page = await fetchPage(nextToken);
    items.push(...(itemsOf(page) ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return items;
}
