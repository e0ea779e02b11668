// The formats of `clos drift --format`, apart from their formatters: the command line names them
// at start-up, and a formatter is loaded only when a report is written.
export const DRIFT_FORMATS = ['table', 'json', 'md', 'junit', 'html'] as const;
export type DriftFormat = (typeof DRIFT_FORMATS)[number];
