import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useMe } from '../auth/use-auth';
import { ErrorMessage } from '../components/error-message';
import { useTitle } from '../components/use-title';
import { RequireRole } from '../staff/require-role';
import { AdminNav } from './admin-nav';
import { useAccounts, useChangeRole, useCreateStaff, type Role, type StaffRole } from './use-admin';

const ROLES: readonly Role[] = ['agent', 'admin', 'user'];

/** Admins: create agent and admin accounts, and change anyone's role. */
export function StaffAccountsPage() {
  const { t } = useTranslation();
  return (
    <RequireRole roles={['admin']} forbidden={t('admin.forbidden')}>
      <StaffAccounts />
    </RequireRole>
  );
}

function StaffAccounts() {
  const { t } = useTranslation();
  useTitle(t('admin.staffTitle'));
  const showId = useId();
  const [show, setShow] = useState<Role>('agent');
  const accounts = useAccounts(show, 1);
  const me = useMe().data;
  return (
    <section>
      <AdminNav />
      <h1>{t('admin.staffTitle')}</h1>
      <CreateStaffForm />
      <h2>{t('admin.staffList')}</h2>
      <div className="field inline">
        <label htmlFor={showId}>{t('admin.showRole')}</label>
        <select id={showId} value={show} onChange={(e) => setShow(e.target.value as Role)}>
          {ROLES.map((role) => (
            <option key={role} value={role}>
              {t(`admin.roles.${role}`)}
            </option>
          ))}
        </select>
      </div>
      <ErrorMessage error={accounts.error} />
      {accounts.isPending && <p role="status">{t('app.loading')}</p>}
      {accounts.data && accounts.data.items.length === 0 && <p>{t('admin.noAccounts')}</p>}
      {accounts.data && accounts.data.items.length > 0 && (
        <ul className="request-list" aria-label={t('admin.staffList')}>
          {accounts.data.items.map((user) => (
            <li key={user.id} className="request-card">
              <RoleRow
                id={user.id}
                name={user.full_name ?? user.email}
                email={user.email}
                role={user.role}
                self={user.id === me?.id}
              />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function RoleRow({
  id,
  name,
  email,
  role,
  self,
}: {
  id: string;
  name: string;
  email: string;
  role: Role;
  /** The signed-in admin: not demoted from here (another admin can). */
  self: boolean;
}) {
  const { t } = useTranslation();
  const selectId = useId();
  const [next, setNext] = useState<Role>(role);
  const change = useChangeRole();
  return (
    <form
      className="request-card-head"
      onSubmit={(event) => {
        event.preventDefault();
        change.mutate({ id, role: next });
      }}
    >
      <span dir="auto">
        <strong>{name}</strong> <span className="hint">{email}</span>
      </span>
      <span className="field inline">
        <label htmlFor={selectId} className="visually-hidden">
          {t('admin.roleOf', { name })}
        </label>
        <select
          id={selectId}
          value={next}
          disabled={self}
          onChange={(e) => setNext(e.target.value as Role)}
        >
          {ROLES.map((value) => (
            <option key={value} value={value}>
              {t(`admin.roles.${value}`)}
            </option>
          ))}
        </select>
        <button
          type="submit"
          className="secondary"
          disabled={next === role || change.isPending}
          aria-label={`${t('admin.saveRole')}: ${name}`}
        >
          {t('admin.saveRole')}
        </button>
      </span>
      {change.isSuccess && <span role="status">{t('admin.roleSaved')}</span>}
      <ErrorMessage error={change.error} />
    </form>
  );
}

function CreateStaffForm() {
  const { t } = useTranslation();
  const ids = { email: useId(), password: useId(), name: useId(), role: useId(), hint: useId() };
  const create = useCreateStaff();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [fullName, setFullName] = useState('');
  const [role, setRole] = useState<StaffRole>('agent');
  return (
    <form
      className="panel"
      onSubmit={(event) => {
        event.preventDefault();
        create.mutate(
          { email, password, role, ...(fullName.trim() ? { full_name: fullName.trim() } : {}) },
          {
            onSuccess: () => {
              setEmail('');
              setPassword('');
              setFullName('');
            },
          },
        );
      }}
    >
      <h2>{t('admin.createStaff')}</h2>
      <div className="field">
        <label htmlFor={ids.name}>{t('auth.fullName')}</label>
        <input id={ids.name} value={fullName} onChange={(e) => setFullName(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={ids.email}>{t('auth.email')}</label>
        <input
          id={ids.email}
          type="email"
          required
          autoComplete="off"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={ids.password}>{t('auth.password')}</label>
        <input
          id={ids.password}
          type="password"
          required
          minLength={8}
          autoComplete="new-password"
          aria-describedby={ids.hint}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <small id={ids.hint}>{t('auth.passwordHint')}</small>
      </div>
      <div className="field">
        <label htmlFor={ids.role}>{t('admin.role')}</label>
        <select id={ids.role} value={role} onChange={(e) => setRole(e.target.value as StaffRole)}>
          <option value="agent">{t('admin.roles.agent')}</option>
          <option value="admin">{t('admin.roles.admin')}</option>
        </select>
      </div>
      <button type="submit" disabled={create.isPending}>
        {t('admin.create')}
      </button>
      {create.isSuccess && <p role="status">{t('admin.created', { email: create.data.email })}</p>}
      <ErrorMessage error={create.error} known={{ '409': t('auth.emailTaken') }} />
    </form>
  );
}
