/** A malformed cases, features or known-failing file; the message names the file, case and field. */
export class CaseLoadError extends Error {
  override readonly name = "CaseLoadError";
  constructor(
    readonly file: string,
    readonly where: string,
    readonly problem: string,
  ) {
    super(`${file}: ${where}: ${problem}`);
  }
}
