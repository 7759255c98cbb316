/**
 * curl's --data-urlencode: "content", "=content", "name=content", "@file", "name@file". The content is
 * percent-encoded (all but ALPHA DIGIT - . _ ~, a space as '+', as curl 7.88 sends it); a name is sent
 * as given. curl looks for '=' first, and for '@' only when there is none.
 */

/** Percent-encodes bytes as curl's --data-urlencode does. */
export function urlencodeBytes(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) {
    if ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x2d || b === 0x2e || b === 0x5f || b === 0x7e) out += String.fromCharCode(b);
    else if (b === 0x20) out += '+';
    else out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** One --data-urlencode value as sent; readFile reads "@file" ("-" is stdin), whole and unchanged. */
export function urlencodeArg(value: string, readFile: (path: string) => Buffer): string {
  const eq = value.indexOf('=');
  const at = eq < 0 ? value.indexOf('@') : -1;
  if (eq >= 0) {
    const name = value.slice(0, eq);
    const content = urlencodeBytes(Buffer.from(value.slice(eq + 1), 'utf8'));
    return name === '' ? content : `${name}=${content}`;
  }
  if (at >= 0) {
    const name = value.slice(0, at);
    const content = urlencodeBytes(readFile(value.slice(at + 1)));
    return name === '' ? content : `${name}=${content}`;
  }
  return urlencodeBytes(Buffer.from(value, 'utf8'));
}
