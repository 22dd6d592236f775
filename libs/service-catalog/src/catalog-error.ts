/** A catalog problem, always naming the file or service and the field at fault. */
export class CatalogError extends Error {
  constructor(readonly problems: string[]) {
    super(`service catalog is invalid:\n  - ${problems.join('\n  - ')}`);
    this.name = 'CatalogError';
  }
}
