export interface CreateStaffUserCommand {
  email: string;
  password: string;
  fullName?: string | null;
  role: string;
}
