/**
 * Where device reports come from (a folder of report files, IoT Hub module
 * twins): not a YAML `Source`. Problems with a report (bad JSON, missing fields)
 * are yielded as diagnostics and never end the stream.
 */
import type { PlacedDiagnostic } from '../../core/diagnostics.js';
import type { DeviceReport } from '../../core/status/report.js';

export type ReportItem = { readonly report: DeviceReport } | { readonly diagnostic: PlacedDiagnostic };

export interface ReportSource {
  /** For messages: a folder path, `iothub:<host>`; never a secret. */
  readonly description: string;
  reports(): AsyncIterable<ReportItem>;
  /** The same items in batches, when the source reads many at once (an ndjson chunk): cheaper for a million reports. */
  batches?(): AsyncIterable<readonly ReportItem[]>;
}
