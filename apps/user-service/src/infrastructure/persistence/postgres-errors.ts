/** Postgres SQLSTATE 23505, raised for a constraint name. */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  const pg =
    (error as { driverError?: { code?: string; constraint?: string } } | null)?.driverError ??
    error;
  const { code, constraint: name } = (pg ?? {}) as { code?: string; constraint?: string };
  return code === '23505' && name === constraint;
}
