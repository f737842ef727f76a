/** Canonical JSON: sorted keys, no whitespace, so equal content always gives equal bytes and hashes. */
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(',')}}`;
}

/** `sha256:<hex>` of a string's UTF-8 bytes. */
export const sha256Hex = (text: string): string => `sha256:${bytesToHex(sha256(utf8ToBytes(text)))}`;

export const utf8Length = (text: string): number => {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
};

/** The git blob id of a text (`sha1("blob <bytes>\0" + bytes)`), as `git hash-object` computes it. */
export function gitBlobId(text: string): string {
  const body = utf8ToBytes(text);
  const header = utf8ToBytes(`blob ${body.length}\0`);
  const all = new Uint8Array(header.length + body.length);
  all.set(header);
  all.set(body, header.length);
  return bytesToHex(sha1(all));
}
