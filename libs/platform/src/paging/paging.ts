import { ValidationError } from '@ajla/shared-kernel';

// API.md's paging of every list: `page` from 1, `page_size` 1..100 (default 20).
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
/** The largest Postgres `integer`: far past any list's end, and exact as a JavaScript number. */
export const MAX_PAGE = 2_147_483_647;

export interface PageRequest {
  page: number;
  pageSize: number;
}

/** One page of a list, as a use case answers it. */
export interface Paged<T> extends PageRequest {
  items: T[];
  total: number;
}

/**
 * The paging rule, for use cases (the query DTO checks the same for HTTP): throws the shared
 * kernel's `ValidationError` (`invalid_page`, `invalid_page_size`).
 */
export function checkPaging({ page, pageSize }: PageRequest): void {
  if (!Number.isInteger(page) || page < 1 || page > MAX_PAGE) {
    throw new ValidationError(`page must be a whole number from 1 to ${MAX_PAGE}`, 'invalid_page');
  }
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw new ValidationError(
      `page_size must be a whole number from 1 to ${MAX_PAGE_SIZE}`,
      'invalid_page_size',
    );
  }
}
