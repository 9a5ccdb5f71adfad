/**
 * A problem with user input, found before any worker starts. The message always names where the
 * problem is (file and field) and what to do about it, because the person reading it is usually
 * looking at a CI log, not at our code.
 */
export class ConfigError extends Error {
  /** File the bad input came from, or `benchRound()` for options passed in code. */
  readonly file: string;
  /** Dotted path of the offending field, e.g. `test.rounds[1].rateControl[0].type`. */
  readonly field: string;
  /** What is wrong, without file, field or fix (they are in the message too). */
  readonly problem: string;
  /** What the user should change. */
  readonly fix: string;

  constructor(file: string, field: string, problem: string, fix: string) {
    super(`${file}: ${field}: ${problem}\n  fix: ${fix}`);
    this.name = 'ConfigError';
    this.file = file;
    this.field = field;
    this.problem = problem;
    this.fix = fix;
  }
}
