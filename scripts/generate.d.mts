/** Types for scripts/generate.mjs (imported by tests). */
export declare function generatedFiles(): Record<string, string>;
export declare function staleFiles(): string[];
