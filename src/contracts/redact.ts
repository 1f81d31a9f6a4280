/**
 * Redaction: how secret-bearing URLs are printed (CLI output, errors, logs, status). A presigned
 * URL's query string is its credential (`X-Amz-Signature`, `X-Amz-Credential`,
 * `X-Amz-Security-Token`), and `user:password@` is one too: both are blanked, while the scheme,
 * host, path and parameter names stay, so a person still recognises which artifact it was.
 * Free of Node, so workflow code may use it as well.
 */

/** What stands in for a removed secret. */
export const REDACTED = 'REDACTED';

/** `scheme://` followed by anything up to whitespace or a quote: URLs as they appear in free text. */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'`<>]+/gi;

/**
 * A URL fit to print: userinfo replaced by `REDACTED@`, every query value by `REDACTED` (names
 * kept), the fragment dropped. Text that does not parse as a URL is cut at its first `?` or `#`,
 * with any `…@` before the host blanked as well: unparsable input is redacted, never echoed.
 */
export function redactUrl(url: string): string {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*@)?([^?#]*)(\?[^#]*)?(#.*)?$/is.exec(url);
  if (!match) {
    const cut = url.search(/[?#]/);
    return cut < 0 ? url : `${url.slice(0, cut)}?${REDACTED}`;
  }
  const [, scheme, userinfo, rest, query] = match;
  const blankedQuery = query
    ? `?${query
        .slice(1)
        .split('&')
        .map((pair) => (pair.includes('=') ? `${pair.slice(0, pair.indexOf('='))}=${REDACTED}` : REDACTED))
        .join('&')}`
    : '';
  return `${scheme}${userinfo ? `${REDACTED}@` : ''}${rest}${blankedQuery}`;
}

/** Whether printing the URL as given would print a secret (userinfo, a query string or a fragment). */
export function urlCarriesSecret(url: string): boolean {
  return redactUrl(url) !== url;
}

/** A presigned URL's credentials when they appear outside a URL (a query string printed alone). */
const SIGNING_PARAMETER = /\b(X-Amz-(?:Signature|Credential|Security-Token)|Signature|AWSAccessKeyId)=[^&\s"'`<>]+/gi;

/** Free text with every URL in it redacted ({@link redactUrl}): for error messages and logs. */
export function redactSecrets(text: string): string {
  return text.replace(URL_IN_TEXT, (url) => redactUrl(url)).replace(SIGNING_PARAMETER, (_all, name: string) => `${name}=${REDACTED}`);
}
