/**
 * A compact form for what the fleet scanner yields, to move it between threads
 * cheaply: structured clone of a million small objects costs about as much as
 * scanning them. Values become one Int32Array of tokens (transferred, not copied),
 * a table of distinct strings (interned: each name and value once, decoded once)
 * and a Float64Array for numbers that are not small integers. Mappings decode as
 * records (core/record.ts), as the scanner makes them.
 */
import type { Device, Tags } from '../core/model.js';
import { record } from '../core/record.js';

// Token = payload << 3 | kind.
const STRING = 0;
const INT = 1; // a small integer, in the payload
const NUMBER = 2; // payload: index into numbers
const MAP = 3; // payload: entry count; then key (STRING) and value, per entry
const LIST = 4; // payload: item count
const NULL = 5;
const TRUE = 6;
const FALSE = 7;

const SMALL = 1 << 27;

export interface EncodedValue {
  readonly tokens: Int32Array;
  readonly strings: readonly string[];
  readonly numbers: Float64Array;
}

class Encoder {
  tokens = new Int32Array(1 << 16);
  length = 0;
  readonly strings: string[] = [];
  private readonly ids = new Map<string, number>();
  private readonly numbers: number[] = [];

  push(token: number): void {
    if (this.length === this.tokens.length) {
      const grown = new Int32Array(this.tokens.length * 2);
      grown.set(this.tokens);
      this.tokens = grown;
    }
    this.tokens[this.length++] = token;
  }

  private string(s: string): void {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.strings.push(s) - 1;
      this.ids.set(s, id);
    }
    this.push((id << 3) | STRING);
  }

  /** A string that occurs once (a device's id): stored without the table lookup, which for a million ids cost more than the rest of encoding. */
  unique(s: string): void {
    this.push(((this.strings.push(s) - 1) << 3) | STRING);
  }

  value(v: unknown): void {
    if (typeof v === 'string') this.string(v);
    else if (typeof v === 'number') {
      // -0 and non-integers keep their exact double.
      if (Number.isInteger(v) && v > -SMALL && v < SMALL && !Object.is(v, -0)) this.push((v << 3) | INT);
      else this.push(((this.numbers.push(v) - 1) << 3) | NUMBER);
    } else if (v === null) this.push(NULL);
    else if (v === true) this.push(TRUE);
    else if (v === false) this.push(FALSE);
    else if (Array.isArray(v)) {
      this.push((v.length << 3) | LIST);
      for (const item of v) this.value(item);
    } else if (typeof v === 'object') {
      // for…in, not Object.keys: no array per mapping (two per device); the count is filled in after.
      const at = this.length;
      this.push(MAP);
      let count = 0;
      for (const k in v) {
        if (!Object.hasOwn(v, k)) continue;
        count++;
        this.string(k);
        const item = (v as Record<string, unknown>)[k];
        if (k === 'deviceId' && typeof item === 'string') this.unique(item);
        else this.value(item);
      }
      this.tokens[at] = (count << 3) | MAP;
    } else throw new TypeError(`cannot encode a ${typeof v}`);
  }

  done(): EncodedValue {
    // A view, not a copy: the whole buffer moves to the other thread.
    return { tokens: this.tokens.subarray(0, this.length), strings: this.strings, numbers: Float64Array.from(this.numbers) };
  }
}

/** Encodes plain data: strings, numbers, booleans, null, mappings and lists. */
export function encodeValue(value: unknown): EncodedValue {
  const encoder = new Encoder();
  encoder.value(value);
  return encoder.done();
}

/** Reads values back from tokens, mappings as records; `at` is the next token. */
class Decoder {
  at = 0;
  constructor(private readonly encoded: EncodedValue) {}

  next(): unknown {
    const { tokens, strings, numbers } = this.encoded;
    const token = tokens[this.at++];
    const payload = token >> 3;
    switch (token & 7) {
      case STRING:
        return strings[payload];
      case INT:
        return payload;
      case NUMBER:
        return numbers[payload];
      case MAP: {
        const out = record();
        for (let i = 0; i < payload; i++) {
          const key = strings[tokens[this.at++] >> 3];
          out[key] = this.next();
        }
        return out;
      }
      case LIST: {
        const out = new Array<unknown>(payload);
        for (let i = 0; i < payload; i++) out[i] = this.next();
        return out;
      }
      case NULL:
        return null;
      case TRUE:
        return true;
      default:
        return false;
    }
  }
}

/** The value again, mappings as records. */
export const decodeValue = (encoded: EncodedValue): unknown => new Decoder(encoded).next();

/**
 * A fleet file's devices as built (core/validate/fleet.ts), without the file's own
 * mappings: per device its id, its index in the file's list and its tags. Decoded,
 * each device is one object and its tags, where decoding the file's value and
 * building the devices from it made the device's mapping too, then checked it.
 */
export function encodeDevices(devices: readonly Pick<Device, 'deviceId' | 'tags' | 'index'>[]): EncodedValue {
  const encoder = new Encoder();
  encoder.push((devices.length << 3) | LIST);
  for (const { deviceId, tags, index } of devices) {
    encoder.unique(deviceId);
    encoder.value(index);
    encoder.value(tags);
  }
  return encoder.done();
}

export function decodeDevices(encoded: EncodedValue, file: string): Device[] {
  const decoder = new Decoder(encoded);
  const count = encoded.tokens[decoder.at++] >> 3;
  const devices = new Array<Device>(count);
  for (let i = 0; i < count; i++) {
    const deviceId = decoder.next() as string;
    const index = decoder.next() as number;
    devices[i] = { deviceId, tags: decoder.next() as Tags, file, index };
  }
  return devices;
}
