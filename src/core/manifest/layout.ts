/**
 * Where a device's effective manifest lives in a rendered tree (git branch or
 * folder): `devices/<xx>/<encodeURIComponent(deviceId)>.json`, `<xx>` being the
 * first two hex digits of SHA-256(deviceId), so no folder holds more than about
 * 1/256 of the fleet.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

export const DEVICES_FOLDER = 'devices';

/** The shard folder name of a device: two hex digits. */
export const shardOf = (deviceId: string): string => bytesToHex(sha256(utf8ToBytes(deviceId)).subarray(0, 1));

/** The file name of a device inside its shard. */
export const deviceFileName = (deviceId: string): string => `${encodeURIComponent(deviceId)}.json`;

/** `devices/<xx>/<encoded id>.json` */
export const devicePath = (deviceId: string): string => `${DEVICES_FOLDER}/${shardOf(deviceId)}/${deviceFileName(deviceId)}`;

/** The device id of a file name inside a shard, or `undefined` for a file that is not a device's. */
export function deviceIdOfFileName(name: string): string | undefined {
  if (!name.endsWith('.json')) return undefined;
  try {
    return decodeURIComponent(name.slice(0, -'.json'.length));
  } catch {
    return undefined;
  }
}
