/** Builds the fleet's devices from parsed fleet files, checking ids and tags as IoT Hub would. */
import { isMapping } from '../collections.js';
import { SEGMENT, VALUE_STRING } from '../condition/index.js';
import { error, warning, type Diagnostic, type Location } from '../diagnostics.js';
import type { FleetColumns } from '../fleet-columns.js';
import type { Device, TagValue, Tags } from '../model.js';
import { record } from '../record.js';

export const DEVICE_ID = /^[A-Za-z0-9\-.%_*?!(),:=@$']{1,128}$/;
/** IoT Hub rejects twin keys with '.', '$', spaces or control characters. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what this rejects
const FORBIDDEN_NAME = /[.$ \u0000-\u001f\u007f-\u009f]/;
export const MAX_TAG_DEPTH = 10;
export const MAX_TAGS_BYTES = 8 * 1024;
export const MAX_TAG_STRING_BYTES = 4 * 1024;

export interface FleetFile {
  readonly devices: readonly Device[];
  readonly diagnostics: readonly Diagnostic[];
  /** Some tag name has an upper-case letter (conditions then need case-insensitive lookups). */
  readonly mixedCaseTagNames: boolean;
  /** The devices as columns (a clean file read on the columnar path): `devices` are then made only when asked for. */
  readonly columns?: FleetColumns;
}

const EXAMPLE = 'e.g.\ndevices:\n  - deviceId: linuxprod1\n    tags: { environment: prod }';

/**
 * One fleet file: `{ devices: [ { deviceId, tags } ] }`. `value` is `null` for an empty file.
 * Most devices of a large fleet have nothing to say: each is first checked on a fast
 * path that only accepts a device the full checks would accept silently (see
 * `cleanDevice`); any other goes through those full checks, so the devices and
 * diagnostics are exactly those of `buildFleetFileReference`.
 */
export function buildFleetFile(file: string, value: unknown): FleetFile {
  return build(file, value, true);
}

/** The slow, obvious twin of `buildFleetFile`: every device through the full checks. Tests compare the two. */
export function buildFleetFileReference(file: string, value: unknown): FleetFile {
  return build(file, value, false);
}

function build(file: string, value: unknown, fast: boolean): FleetFile {
  const diagnostics: Diagnostic[] = [];
  if (value === null || value === undefined) {
    if (value === null) diagnostics.push(warning('file/empty', 'fleet file is empty: it declares no devices', { file }));
    return { devices: [], diagnostics, mixedCaseTagNames: false };
  }
  if (!isMapping(value)) {
    const what = Array.isArray(value) ? 'a list' : `a ${typeof value}`;
    diagnostics.push(error('fleet/not-a-mapping', `a fleet file is a mapping with a devices: list, not ${what}; ${EXAMPLE}`, { file }));
    return { devices: [], diagnostics, mixedCaseTagNames: false };
  }
  for (const key of Object.keys(value)) {
    if (key !== 'devices') {
      diagnostics.push(error('fleet/not-a-mapping', `unknown key '${key}': a fleet file has only devices:`, { file, path: [key], key: true }));
    }
  }
  const list = value.devices;
  if (list === null) {
    diagnostics.push(warning('file/empty', 'devices: is empty', { file, path: ['devices'] }));
    return { devices: [], diagnostics, mixedCaseTagNames: false };
  }
  if (!Array.isArray(list)) {
    const msg = list === undefined ? `fleet file has no devices: list; ${EXAMPLE}` : 'devices: must be a list of { deviceId, tags }';
    diagnostics.push(error('fleet/no-devices', msg, { file, path: list === undefined ? [] : ['devices'] }));
    return { devices: [], diagnostics, mixedCaseTagNames: false };
  }
  const builder = new FleetFileBuilder(file, fast, diagnostics);
  for (let index = 0; index < list.length; index++) {
    const item: unknown = list[index];
    // A hole in a list (never from YAML) is skipped, as forEach skips it.
    if (item === undefined && !(index in list)) continue;
    builder.add(item, index);
  }
  return builder.done();
}

/**
 * A fleet file's `devices:` list built one entry at a time, as `buildFleetFile` builds
 * the whole list (it uses this): a scanner hands each device over as it reads it, so
 * the device's mapping dies young instead of living as long as the file's value.
 */
export class FleetFileBuilder {
  private readonly devices: Device[] = [];
  private readonly seen = { mixedCase: false };
  private readonly clean: CleanWalk = { size: 0, mixed: false, lists: [], listsMixed: [], next: 0 };

  constructor(
    private readonly file: string,
    private readonly fast = true,
    /** What was said about the file before its list (unknown keys). */
    private readonly diagnostics: Diagnostic[] = [],
  ) {}

  /** The entry at `index` of the list. */
  add(item: unknown, index: number): void {
    const { file, seen } = this;
    const device = (this.fast ? cleanDevice(file, item, index, this.clean, seen) : undefined) ?? buildDevice(file, item, index, this.diagnostics, seen);
    if (device) this.devices.push(device);
  }

  done(): FleetFile {
    return { devices: this.devices, diagnostics: this.diagnostics, mixedCaseTagNames: this.seen.mixedCase };
  }
}

/** One device through the full checks: its problems added to `diagnostics`; `undefined` when it is not kept. */
function buildDevice(file: string, item: unknown, index: number, diagnostics: Diagnostic[], seen: { mixedCase: boolean }): Device | undefined {
  const at = (...path: (string | number)[]): Location => ({ file, path: ['devices', index, ...path] });
  if (!isMapping(item)) {
    diagnostics.push(error('fleet/invalid-device', 'a device is a mapping with deviceId: and tags:', at()));
    return undefined;
  }
  for (const key of Object.keys(item)) {
    if (key !== 'deviceId' && key !== 'tags') {
      diagnostics.push(error('fleet/invalid-device', `unknown key '${key}': a device has only deviceId: and tags:`, { ...at(key), key: true }));
    }
  }
  const deviceId = item.deviceId;
  if (typeof deviceId !== 'string') {
    const msg = deviceId === undefined || deviceId === null ? 'device has no deviceId' : `deviceId must be a string; quote it: deviceId: '${String(deviceId)}'`;
    diagnostics.push(error('fleet/invalid-device-id', msg, deviceId === undefined ? at() : at('deviceId')));
    return undefined;
  }
  if (!DEVICE_ID.test(deviceId)) {
    diagnostics.push(
      error(
        'fleet/invalid-device-id',
        deviceId.length > 128
          ? `deviceId is ${deviceId.length} characters; IoT Hub allows at most 128`
          : `deviceId '${deviceId}' has a character IoT Hub does not allow; use ASCII letters, digits and -.%_*?!(),:=@$'`,
        at('deviceId'),
      ),
    );
    return undefined;
  }
  let tags: Tags = record<TagValue>();
  if (item.tags !== undefined && item.tags !== null) {
    if (!isMapping(item.tags)) {
      diagnostics.push(error('fleet/invalid-tag', 'tags: must be a mapping of tag names to values', at('tags')));
    } else {
      tags = checkTags(item.tags, at('tags'), diagnostics, seen);
    }
  }
  return { deviceId, tags, file, index };
}

/**
 * What the fast path has found in one device's tags; `lists` remembers the last name
 * lists found clean (a fleet has a handful: some devices lack a tag or two), with
 * whether each has an upper-case name, replaced in turn from `next`.
 */
interface CleanWalk {
  size: number;
  mixed: boolean;
  readonly lists: (readonly string[])[];
  readonly listsMixed: boolean[];
  next: number;
}

/** How many clean name lists the fast path remembers. */
const REMEMBERED_LISTS = 8;

/**
 * The fast path: the device when it is one the full checks keep exactly as it is and
 * say nothing about (a valid id, only deviceId: and tags:, tags IoT Hub and conditions
 * accept); `undefined` for any other, which then goes through `buildDevice`. Nothing
 * is built on the way, and a device with the same tag names as one of the last few
 * clean ones (the usual case: the scanner gives each distinct name one string, so
 * they compare by identity) costs no name lookups.
 */
function cleanDevice(file: string, item: unknown, index: number, walk: CleanWalk, seen: { mixedCase: boolean }): Device | undefined {
  if (!isMapping(item)) return undefined;
  for (const key in item) if (key !== 'deviceId' && key !== 'tags') return undefined;
  const deviceId = item.deviceId;
  if (typeof deviceId !== 'string' || !DEVICE_ID.test(deviceId)) return undefined;
  const tags = item.tags;
  if (tags === undefined || tags === null) return { deviceId, tags: record<TagValue>(), file, index };
  if (!isMapping(tags)) return undefined;
  walk.size = 0;
  walk.mixed = false;
  if (!cleanTagMap(tags, 1, walk) || walk.size > MAX_TAGS_BYTES) return undefined;
  if (walk.mixed) seen.mixedCase = true;
  return { deviceId, tags: tags as Tags, file, index };
}

/** True when `checkTagMap` would keep `map` as it is and say nothing about it (at `depth`). */
function cleanTagMap(map: Record<string, unknown>, depth: number, walk: CleanWalk): boolean {
  if (!cleanNames(map, walk)) return false;
  // for…in, not Object.keys: no array of names per device (a million of them are garbage to collect).
  for (const key in map) {
    const value = map[key];
    walk.size += key.length + 4;
    if (typeof value === 'string') {
      walk.size += value.length + 2;
      if (value.length > MAX_TAG_STRING_BYTES || !valueExpressible(value)) return false;
    } else if (typeof value === 'number') {
      walk.size += 12;
      if (!Number.isFinite(value)) return false;
    } else if (typeof value === 'boolean') {
      walk.size += 5;
    } else if (!isMapping(value) || depth + 1 > MAX_TAG_DEPTH || !cleanTagMap(value, depth + 1, walk)) {
      return false;
    }
  }
  return true;
}

/** True when `map`'s names are, in order, those of `list`. */
function sameNames(map: Record<string, unknown>, list: readonly string[]): boolean {
  let n = 0;
  for (const key in map) if (list[n++] !== key) return false;
  return n === list.length;
}

/** True when every name is allowed and expressible and no two differ only by case; notes upper-case names in `walk.mixed`. */
function cleanNames(map: Record<string, unknown>, walk: CleanWalk): boolean {
  const { lists } = walk;
  for (let l = 0; l < lists.length; l++) {
    if (!sameNames(map, lists[l])) continue;
    if (walk.listsMixed[l]) walk.mixed = true;
    return true;
  }
  const keys = Object.keys(map);
  let mixed = false;
  for (let n = 0; n < keys.length; n++) {
    const name = nameVerdict(keys[n]);
    if (name.forbidden || !name.expressible) return false;
    if (name.lower !== keys[n]) mixed = true;
    // Two names can only differ by case when one of them has an upper-case letter.
    if (mixed) for (let m = 0; m < n; m++) if (nameVerdict(keys[m]).lower === name.lower) return false;
  }
  lists[walk.next] = keys;
  walk.listsMixed[walk.next] = mixed;
  walk.next = (walk.next + 1) % REMEMBERED_LISTS;
  if (mixed) walk.mixed = true;
  return true;
}

interface NameVerdict {
  readonly lower: string;
  readonly forbidden: boolean;
  readonly expressible: boolean;
}

/**
 * Tag names and values repeat across a fleet (a million devices, a dozen names,
 * a few hundred values): judge each once. Bounded, so odd fleets cannot grow them.
 */
const names = new Map<string, NameVerdict>();
const values = new Map<string, boolean>();
const CACHE_LIMIT = 100_000;

function nameVerdict(key: string): NameVerdict {
  let v = names.get(key);
  if (!v) {
    v = { lower: key.toLowerCase(), forbidden: FORBIDDEN_NAME.test(key) || key === '', expressible: SEGMENT.test(key) };
    if (names.size >= CACHE_LIMIT) names.clear();
    names.set(key, v);
  }
  return v;
}

function valueExpressible(value: string): boolean {
  let v = values.get(value);
  if (v === undefined) {
    v = VALUE_STRING.test(value);
    if (values.size >= CACHE_LIMIT) values.clear();
    values.set(value, v);
  }
  return v;
}

/** One device's tags being checked: where, what was found, and the size IoT Hub would count. */
interface TagWalk {
  readonly file: string;
  readonly diagnostics: Diagnostic[];
  readonly seen: { mixedCase: boolean };
  size: number;
}

/** What `checkTagValue` returns for a tag IoT Hub would reject. */
const DROP: unique symbol = Symbol('drop');

/** Checks a device's tags; returns them as they are, or a copy without the values IoT Hub would reject. */
function checkTags(tags: Record<string, unknown>, where: Location, diagnostics: Diagnostic[], seen: { mixedCase: boolean }): Tags {
  const walk: TagWalk = { file: where.file, diagnostics, seen, size: 0 };
  const result = checkTagMap(walk, tags, where.path as (string | number)[], 1);
  if (walk.size > MAX_TAGS_BYTES) {
    diagnostics.push(error('fleet/tags-too-large', `tags are about ${walk.size} bytes; IoT Hub limits a device's tags to ${MAX_TAGS_BYTES} bytes`, where));
  }
  return result;
}

/** One mapping of tags (at `depth`): `map` itself when all is well, else a copy without what IoT Hub would reject. */
function checkTagMap(walk: TagWalk, map: Record<string, unknown>, path: readonly (string | number)[], depth: number): Tags {
  let copy: Record<string, TagValue> | undefined;
  const keys = Object.keys(map);
  for (let n = 0; n < keys.length; n++) {
    const key = keys[n];
    const value = map[key];
    const kept = checkTagName(walk, keys, n, path) ? checkTagValue(walk, key, value, path, depth) : DROP;
    if (kept === value) continue;
    if (!copy) {
      copy = record<TagValue>();
      for (const k of keys) copy[k] = map[k] as TagValue;
    }
    // Deleted first even when replaced: a replaced mapping moves to the end, as it always has.
    delete copy[key];
    if (kept !== DROP) copy[key] = kept;
  }
  return (copy ?? map) as Tags;
}

/** Locations are built only for a diagnostic: most devices have none. */
const tagAt = (walk: TagWalk, path: readonly (string | number)[], key: string): Location => ({ file: walk.file, path: [...path, key] });

/** Checks the name `keys[n]`: case collisions with earlier names, IoT Hub's rules, a condition's rules. False when the tag is dropped. */
function checkTagName(walk: TagWalk, keys: readonly string[], n: number, path: readonly (string | number)[]): boolean {
  const key = keys[n];
  const name = nameVerdict(key);
  if (name.lower !== key) walk.seen.mixedCase = true;
  walk.size += key.length + 4;
  for (let m = 0; m < n; m++) {
    if (nameVerdict(keys[m]).lower === name.lower) {
      walk.diagnostics.push(
        error('fleet/tag-case-collision', `tags '${keys[m]}' and '${key}' differ only by case; conditions match tag names case-insensitively, so keep one`, {
          ...tagAt(walk, path, key),
          key: true,
        }),
      );
      break;
    }
  }
  if (name.forbidden) {
    walk.diagnostics.push(
      error('fleet/invalid-tag', `tag name '${key}' is not allowed by IoT Hub: no '.', '$', spaces or control characters`, {
        ...tagAt(walk, path, key),
        key: true,
      }),
    );
    return false;
  }
  if (!name.expressible) {
    walk.diagnostics.push(
      warning(
        'fleet/tag-not-expressible',
        `tag name '${key}' cannot be used in a target condition (a name is letters, digits, _ and -, starting with a letter or _)`,
        {
          ...tagAt(walk, path, key),
          key: true,
        },
      ),
    );
  }
  return true;
}

/** Checks one tag's value: `value` itself when all is well, a checked copy of a mapping, or DROP. */
function checkTagValue(walk: TagWalk, key: string, value: unknown, path: readonly (string | number)[], depth: number): TagValue | typeof DROP {
  const { diagnostics } = walk;
  const at = (): Location => tagAt(walk, path, key);
  if (typeof value === 'string') {
    walk.size += value.length + 2;
    if (value.length > MAX_TAG_STRING_BYTES) {
      diagnostics.push(
        error('fleet/invalid-tag', `tag '${key}' is ${value.length} characters; IoT Hub accepts string values of at most ${MAX_TAG_STRING_BYTES} bytes`, at()),
      );
      return DROP;
    }
    if (!valueExpressible(value)) {
      const bad = [...value].find((c) => !VALUE_STRING.test(c))!;
      diagnostics.push(
        warning(
          'fleet/tag-not-expressible',
          `tag '${key}' has the value '${value}', which no target condition can match: '${bad === ' ' ? 'space' : bad}' is not allowed in a condition's string value`,
          at(),
        ),
      );
    }
    return value;
  }
  if (typeof value === 'number') {
    walk.size += 12;
    if (Number.isFinite(value)) return value;
    diagnostics.push(error('fleet/invalid-tag', `tag '${key}' is not a finite number`, at()));
    return DROP;
  }
  if (typeof value === 'boolean') {
    walk.size += 5;
    return value;
  }
  if (value === null || value === undefined) {
    diagnostics.push(error('fleet/invalid-tag', `tag '${key}' has no value: give it one or remove it`, at()));
  } else if (Array.isArray(value)) {
    diagnostics.push(
      error('fleet/invalid-tag', `tag '${key}' is a list; tag values are strings, numbers, booleans or mappings (IoT Hub twins have no arrays)`, at()),
    );
  } else if (typeof value === 'object') {
    if (depth + 1 <= MAX_TAG_DEPTH) return checkTagMap(walk, value as Record<string, unknown>, [...path, key], depth + 1);
    diagnostics.push(error('fleet/invalid-tag', `tags nest more than ${MAX_TAG_DEPTH} levels deep; IoT Hub twins allow ${MAX_TAG_DEPTH}`, at()));
  } else {
    diagnostics.push(error('fleet/invalid-tag', `tag '${key}' has a value of an unsupported type`, at()));
  }
  return DROP;
}

/** Device ids are unique across all fleet files. */
export function checkDuplicateDevices(devices: readonly Device[]): Diagnostic[] {
  const first = new Map<string, Device>();
  const diagnostics: Diagnostic[] = [];
  for (const device of devices) {
    const earlier = first.get(device.deviceId);
    if (earlier) {
      diagnostics.push(
        error(
          'fleet/duplicate-device',
          `device '${device.deviceId}' is already declared in ${earlier.file} (devices[${earlier.index}]): device ids are unique across the fleet, so remove one`,
          {
            file: device.file,
            path: ['devices', device.index, 'deviceId'],
          },
        ),
      );
    } else {
      first.set(device.deviceId, device);
    }
  }
  return diagnostics;
}
