// Bundled by scripts/bundle.mjs from the edgeops sources: do not edit.
import { createRequire as __edgeopsCreateRequire } from 'node:module';
const require = __edgeopsCreateRequire(import.meta.url);

// src/io/sinks/shard-reader-worker.ts
import { readFileSync } from "node:fs";
import path2 from "node:path";
import { parentPort, workerData } from "node:worker_threads";

// src/io/sinks/loose-objects.ts
import path from "node:path";
import { inflateSync } from "node:zlib";
var looseObjectPath = (gitdir2, oid) => path.join(gitdir2, "objects", oid.slice(0, 2), oid.slice(2));
var inflateObject = (deflated) => inflateSync(deflated, { chunkSize: Math.min(1 << 22, Math.max(1 << 14, deflated.length * 16)) });
function treeContentStart(raw) {
  const nul = raw.indexOf(0);
  const isTree = raw[0] === 116 && raw[1] === 114 && raw[2] === 101 && raw[3] === 101 && raw[4] === 32;
  return isTree && nul > 5 ? nul + 1 : -1;
}
function parseTree(bytes, each) {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let i = 0;
  while (i < b.length) {
    const space = b.indexOf(32, i);
    const nul = b.indexOf(0, space + 1);
    if (space < 0 || nul < 0 || nul + 21 > b.length) throw new Error("malformed tree object");
    each(b.toString("latin1", i, space), b.toString("utf8", space + 1, nul), b.toString("hex", nul + 1, nul + 21));
    i = nul + 21;
  }
}

// src/io/sinks/shard-reader-worker.ts
var { gitdir, branch } = workerData;
var readObject = (oid) => inflateObject(readFileSync(looseObjectPath(gitdir, oid)));
function entries(raw) {
  const out = /* @__PURE__ */ new Map();
  const start = treeContentStart(raw);
  if (start > 0) parseTree(raw.subarray(start), (mode, name, oid) => out.set(name, [mode, oid]));
  return out;
}
function shardIds() {
  try {
    const tip = readFileSync(path2.join(gitdir, "refs", "heads", ...branch.split("/")), "latin1").trim();
    const commit = readObject(tip).toString("latin1");
    const tree = /\0tree ([0-9a-f]{40})\n/.exec(commit)?.[1];
    const devices = tree && entries(readObject(tree)).get("devices");
    if (!devices || devices[0] !== "40000") return [];
    return [...entries(readObject(devices[1])).values()].filter(([mode]) => mode === "40000").map(([, oid]) => oid);
  } catch {
    return [];
  }
}
var oids = shardIds();
parentPort.postMessage({ oids });
for (const oid of oids) {
  let message = { oid };
  const transfer = [];
  try {
    let raw = readObject(oid);
    const content = treeContentStart(raw);
    if (content > 0) {
      if (raw.byteOffset !== 0 || raw.buffer.byteLength !== raw.length) raw = Buffer.from(Uint8Array.prototype.slice.call(raw));
      message = { oid, buffer: raw.buffer, offset: raw.byteOffset, length: raw.length, content };
      transfer.push(raw.buffer);
    }
  } catch {
  }
  parentPort.postMessage(message, transfer);
}
