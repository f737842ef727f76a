/** Types for scripts/bundle.mjs (imported by tests). */
export declare const root: string;
export declare const WORKER_ENTRY: Record<string, string>;
export declare function bundle(options: { entryPoints: Record<string, string>; outdir: string }): Promise<void>;
export declare function staleBundle(): Promise<string[]>;
