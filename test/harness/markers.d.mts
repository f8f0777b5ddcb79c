export declare const SUITE_START_MARKER: string;
