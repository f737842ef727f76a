/**
 * A device report (DESIGN: deployment status): which content a device runs and
 * whether applying it succeeded, modelled on the `$edgeAgent` reported
 * properties. Reports come from files or from IoT Hub module twins; both are
 * mapped to this one shape before the core computes status.
 */
export interface ModuleReport {
  /** `running`, `stopped`, `failed`, `backoff`, `unknown`, … as the agent reports it. */
  readonly runtimeStatus: string;
  readonly exitCode?: number;
  readonly statusDescription?: string;
}

export interface DeviceReport {
  readonly deviceId: string;
  /** The deployment the device believes it runs, when known. */
  readonly deployment?: string;
  /** `sha256:…` of the content the report is about. */
  readonly contentHash?: string;
  /** The agent's code: 200 ok, 400 invalid configuration, 406 not connected, 412 invalid schema version, 417 empty configuration, 500 failed. */
  readonly code: number;
  readonly description?: string;
  readonly modules?: Readonly<Record<string, ModuleReport>>;
  /** RFC 3339. */
  readonly reportedAt?: string;
}
