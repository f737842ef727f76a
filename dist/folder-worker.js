// Bundled by scripts/bundle.mjs from the edgeops sources: do not edit.
import { createRequire as __edgeopsCreateRequire } from 'node:module';
const require = __edgeopsCreateRequire(import.meta.url);

// src/io/reports/folder-worker.ts
import { parentPort, workerData } from "node:worker_threads";

// src/io/reports/folder.ts
import { createReadStream, createWriteStream, existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename } from "node:fs/promises";
import path from "node:path";

// src/core/status/status.ts
var FAILED_RUNTIME = /* @__PURE__ */ new Set(["failed", "backoff"]);
var reportTime = (report) => report.reportedAt === void 0 ? Number.NEGATIVE_INFINITY : Date.parse(report.reportedAt);
function failureOf(report) {
  let reason = report.code === 200 ? void 0 : `code ${report.code}${report.description ? `: ${report.description}` : ""}`;
  const { modules } = report;
  for (const name in modules) {
    if (!Object.hasOwn(modules, name) || !FAILED_RUNTIME.has(modules[name].runtimeStatus)) continue;
    reason = reason === void 0 ? moduleReason(name, modules[name]) : `${reason}; ${moduleReason(name, modules[name])}`;
  }
  return reason;
}
function moduleReason(name, module) {
  const detail = [module.exitCode !== void 0 ? `exit ${module.exitCode}` : "", module.statusDescription ?? ""].filter(Boolean).join(", ");
  return `module ${name} ${module.runtimeStatus}${detail ? ` (${detail})` : ""}`;
}
function reportProblem(value) {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "a report is a JSON object";
  const r = value;
  if (typeof r.deviceId !== "string" || r.deviceId === "") return 'missing "deviceId" (a non-empty string)';
  if (typeof r.code !== "number" || !Number.isInteger(r.code)) return `missing "code" (the agent's integer status code, 200 for success)`;
  if (typeof r.contentHash !== "string") return 'missing "contentHash" (the "sha256:…" of the content the device runs)';
  if (r.deployment !== void 0 && typeof r.deployment !== "string") return '"deployment" must be a string';
  if (r.description !== void 0 && typeof r.description !== "string") return '"description" must be a string';
  if (r.reportedAt !== void 0 && (typeof r.reportedAt !== "string" || Number.isNaN(Date.parse(r.reportedAt)))) {
    return `"reportedAt" must be an RFC 3339 time (got ${JSON.stringify(r.reportedAt)})`;
  }
  const modules = r.modules;
  if (modules !== void 0) {
    if (typeof modules !== "object" || modules === null || Array.isArray(modules)) return '"modules" must be an object of module name → { "runtimeStatus" }';
    for (const name in modules) {
      const module = modules[name];
      if (typeof module !== "object" || module === null || typeof module.runtimeStatus !== "string") return `module '${name}' needs a "runtimeStatus" string`;
      if (module.exitCode !== void 0 && typeof module.exitCode !== "number") return `module '${name}': "exitCode" must be a number`;
    }
  }
  return void 0;
}

// src/core/status/compact.ts
function compactReports() {
  const deviceIds = [];
  let at = new Float64Array(1024);
  let contentHash = new Int32Array(1024);
  let failure = new Int32Array(1024);
  const hashes = interner();
  const failures = interner();
  const grow = () => {
    at = doubled(at, new Float64Array(at.length * 2));
    contentHash = doubled(contentHash, new Int32Array(at.length));
    failure = doubled(failure, new Int32Array(at.length));
  };
  const add = (report) => {
    const row = deviceIds.push(report.deviceId) - 1;
    if (row === at.length) grow();
    at[row] = reportTime(report);
    contentHash[row] = report.contentHash === void 0 ? -1 : hashes.id(report.contentHash);
    const reason = failureOf(report);
    failure[row] = reason === void 0 ? -1 : failures.id(reason);
  };
  const done = () => {
    const n = deviceIds.length;
    return {
      deviceIds,
      at: at.slice(0, n),
      contentHash: contentHash.slice(0, n),
      contentHashes: hashes.table,
      failure: failure.slice(0, n),
      failures: failures.table
    };
  };
  return { add, done };
}
function doubled(from, into) {
  into.set(from);
  return into;
}
function interner() {
  const ids = /* @__PURE__ */ new Map();
  const table = [];
  return {
    table,
    id(s) {
      let id = ids.get(s);
      if (id === void 0) {
        id = table.push(s) - 1;
        ids.set(s, id);
      }
      return id;
    }
  };
}

// src/io/reports/folder.ts
var MAX_REPORT_BYTES = 1024 * 1024;
var isReportFile = (name) => !name.startsWith(".") && /\.(nd)?json$/i.test(name);
async function reportFiles(root, relative = "") {
  const entries = await readdir(path.join(root, relative), { withFileTypes: true });
  const out = [];
  for (const e of entries.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) {
    const rel = relative ? `${relative}/${e.name}` : e.name;
    if (e.isDirectory() && !e.name.startsWith(".")) out.push(...await reportFiles(root, rel));
    else if (e.isFile() && isReportFile(e.name)) out.push(rel);
  }
  return out;
}
var invalid = (file, line, column, message2) => ({
  diagnostic: { severity: "warning", code: "report/invalid", message: message2, file, line, column }
});
function parseReport(text, file, line) {
  let value;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const [l, c] = positionOf(text, e.message);
    return invalid(
      file,
      line + l - 1,
      c,
      `not valid JSON (${e.message.replace(/ in JSON at position \d+.*$/s, "")}): each report is one JSON object`
    );
  }
  const problem = reportProblem(value);
  return problem === void 0 ? { report: value } : invalid(file, line, 1, `${problem}: this report is skipped`);
}
function positionOf(text, message2) {
  const lineColumn = /line (\d+) column (\d+)/.exec(message2);
  if (lineColumn) return [Number(lineColumn[1]), Number(lineColumn[2])];
  const at = /position (\d+)/.exec(message2);
  if (!at) return [1, 1];
  const offset = Math.min(Number(at[1]), text.length);
  const before = text.slice(0, offset);
  const lines = before.split("\n");
  return [lines.length, lines[lines.length - 1].length + 1];
}
async function* ndjson(full, file) {
  let rest;
  let line = 0;
  let skipping = false;
  const item = (buf, start, end) => {
    line++;
    if (skipping || end - start > MAX_REPORT_BYTES) {
      skipping = false;
      return invalid(file, line, 1, `line longer than ${MAX_REPORT_BYTES} bytes: not a report`);
    }
    let text = buf.toString("utf8", start, end);
    if (line === 1 && text.charCodeAt(0) === 65279) text = text.slice(1);
    if (text.endsWith("\r")) text = text.slice(0, -1);
    if (text.trim() === "") return void 0;
    return parseReport(text, file, line);
  };
  for await (const chunk of createReadStream(full, { highWaterMark: 1 << 20 })) {
    const buf = rest ? Buffer.concat([rest, chunk]) : chunk;
    const batch = [];
    let start = 0;
    for (let nl = buf.indexOf(10); nl !== -1; nl = buf.indexOf(10, start)) {
      const it = item(buf, start, nl);
      if (it) batch.push(it);
      start = nl + 1;
    }
    if (batch.length) yield batch;
    rest = start < buf.length ? buf.subarray(start) : void 0;
    if (rest && rest.length > MAX_REPORT_BYTES) {
      skipping = true;
      rest = void 0;
    }
  }
  if (rest || skipping) {
    const it = item(rest ?? Buffer.alloc(0), 0, rest?.length ?? 0);
    if (it) yield [it];
  }
}
async function* batches(dir2, display2) {
  let files;
  try {
    files = await reportFiles(dir2);
  } catch (e) {
    yield [invalid(display2, 1, 1, `cannot read the reports folder: ${e.code ?? e.message}`)];
    return;
  }
  for (const relative of files) {
    const full = path.join(dir2, relative);
    const file = `${display2}/${relative}`;
    try {
      if (/\.ndjson$/i.test(relative)) {
        yield* ndjson(full, file);
        continue;
      }
      const bytes = await readFile(full);
      if (bytes.length > MAX_REPORT_BYTES) {
        yield [invalid(file, 1, 1, `file larger than ${MAX_REPORT_BYTES} bytes: a *.json file holds one report (use *.ndjson for many)`)];
        continue;
      }
      yield [parseReport(bytes.toString("utf8").replace(/^\uFEFF/, ""), file, 1)];
    } catch (e) {
      yield [invalid(file, 1, 1, `cannot read: ${e.code ?? e.message}`)];
    }
  }
}
async function readCompact(dir2, display2, maxDiagnostics2) {
  const compact = compactReports();
  const diagnostics = [];
  let bad = 0;
  for await (const batch of batches(dir2, display2)) {
    for (const item of batch) {
      if ("report" in item) compact.add(item.report);
      else if (++bad <= maxDiagnostics2) diagnostics.push(item.diagnostic);
    }
  }
  return { reports: compact.done(), diagnostics, bad };
}
var workerUrl = new URL("./folder-worker.js", import.meta.url);
function encodeCompactRead(read) {
  const { deviceIds, ...rest } = read.reports;
  const idLengths = new Int32Array(deviceIds.length);
  for (let i = 0; i < deviceIds.length; i++) idLengths[i] = deviceIds[i].length;
  const message2 = { read: { ...read, reports: rest }, ids: deviceIds.join(""), idLengths };
  return { message: message2, transfer: [idLengths.buffer, rest.at.buffer, rest.contentHash.buffer, rest.failure.buffer] };
}

// src/io/reports/folder-worker.ts
var { dir, display, maxDiagnostics } = workerData;
var { message, transfer } = encodeCompactRead(await readCompact(dir, display, maxDiagnostics));
parentPort.postMessage(message, transfer);
