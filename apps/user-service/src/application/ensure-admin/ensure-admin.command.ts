export interface EnsureAdminCommand {
  email: string;
  password: string;
  fullName?: string | null;
}
