/**
 * Where device reports come from (a folder of report files, IoT Hub module
 * twins): not a YAML `Source`. Problems with a report (bad JSON, missing fields)
 * are yielded as diagnostics and never end the stream.
 */
import type { PlacedDiagnostic } from '../../core/diagnostics.js';
import type { CompactReports } from '../../core/status/compact.js';
import type { DeviceReport } from '../../core/status/report.js';

export type ReportItem = { readonly report: DeviceReport } | { readonly diagnostic: PlacedDiagnostic };

export interface ReportSource {
  /** For messages: a folder path, `iothub:<host>`; never a secret. */
  readonly description: string;
  reports(): AsyncIterable<ReportItem>;
  /** The same items in batches, when the source reads many at once (an ndjson chunk): cheaper for a million reports. */
  batches?(): AsyncIterable<readonly ReportItem[]>;
  /**
   * Every report in compact form (core/status/compact.ts), with the first `maxDiagnostics`
   * problems `batches` would yield and how many there were: read on another thread where
   * the source can, so it may start before the repository is loaded.
   */
  compact?(maxDiagnostics: number): Promise<CompactRead>;
}

export interface CompactRead {
  readonly reports: CompactReports;
  readonly diagnostics: readonly PlacedDiagnostic[];
  /** Problems in all (listed or not). */
  readonly bad: number;
}
