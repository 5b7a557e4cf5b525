import { ValidationError } from '@ajla/shared-kernel';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export interface Paged<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

/** API.md's paging: page from 1, page_size 1..100. */
export function checkPaging(page: number, pageSize: number): void {
  if (!Number.isInteger(page) || page < 1) {
    throw new ValidationError('page must be a whole number of at least 1', 'invalid_page');
  }
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw new ValidationError(
      `page_size must be a whole number from 1 to ${MAX_PAGE_SIZE}`,
      'invalid_page_size',
    );
  }
}
