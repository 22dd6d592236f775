import type { ValidationError } from 'aws-cdk-lib';

/** The error code aws-cdk-lib's errors take; its type is a branded literal string with no public constructor. */
export type ErrorName = ConstructorParameters<typeof ValidationError>[0];

/** Brands `name` as an aws-cdk-lib error code, e.g. `errorName('GantryServiceImageTag')`. */
export function errorName(name: string): ErrorName {
  return name as ErrorName;
}
