export interface ListUsersQuery {
  role?: string;
  page: number;
  pageSize: number;
}
