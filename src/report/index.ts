/**
 * Reports of a ledgerbench run: terminal tables (Caliper's columns), the self-contained HTML page,
 * the Markdown CI summary and results.json, plus redact() and environmentInfo() for whoever builds the
 * RunReport.
 */
export { type ConsoleOptions, FROM_HEADER, RESOURCE_TABLE_HEADERS, ROUND_TABLE_HEADERS, type RoundTableOptions, resourceTable, roundDetails, roundTable, unsettledLines } from './console.ts';
export { environmentInfo } from './environment.ts';
export { originText } from './format.ts';
export { renderHtml } from './html.ts';
export { type MarkdownOptions, renderMarkdown } from './markdown.ts';
export { REDACTED, redact } from './redact.ts';
export type { EnvironmentInfo, RunReport } from './types.ts';
export { type RoundVerdict, roundVerdict, tally } from './verdict.ts';
export { type WrittenReports, writeReports, writeReportsSync, writtenReportLines } from './write.ts';
