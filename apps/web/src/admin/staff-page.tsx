import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { unwrap, type Schemas } from '../api/client';
import { useMe } from '../auth/use-auth';
import { ErrorMessage } from '../components/error-message';
import { useTitle } from '../components/use-title';
import { useStaff } from '../console/use-queue';
import { useServices } from '../services';

type Role = Schemas['UserResponse']['role'];
const STAFF_ROLES = ['agent', 'admin'] as const;

/** Admins: the staff accounts, a new one, and a change of role. */
export function StaffPage() {
  const { t } = useTranslation();
  useTitle(t('admin.staffTitle'));
  const { api } = useServices();
  const queryClient = useQueryClient();
  const me = useMe().data;
  const staff = useStaff(true);
  const ids = { name: useId(), email: useId(), password: useId(), role: useId() };
  const [form, setForm] = useState({ full_name: '', email: '', password: '', role: 'agent' });
  const [created, setCreated] = useState('');

  const create = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/api/v1/admin/users', {
          body: {
            email: form.email,
            password: form.password,
            role: form.role as 'agent' | 'admin',
            ...(form.full_name.trim() ? { full_name: form.full_name.trim() } : {}),
          },
        }),
      ),
    onSuccess: (user) => {
      setCreated(user.email);
      setForm({ full_name: '', email: '', password: '', role: 'agent' });
      return queryClient.invalidateQueries({ queryKey: ['staff'] });
    },
  });
  const changeRole = useMutation({
    mutationFn: async ({ id, role }: { id: string; role: Role }) =>
      unwrap(
        await api.PATCH('/api/v1/admin/users/{id}', { params: { path: { id } }, body: { role } }),
      ),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['staff'] }),
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setCreated('');
    create.mutate();
  };

  return (
    <section>
      <h1>{t('admin.staffTitle')}</h1>
      <ErrorMessage error={staff.error} />
      {staff.data && (
        <table className="table">
          <caption className="visually-hidden">{t('admin.staffTitle')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('auth.fullName')}</th>
              <th scope="col">{t('auth.email')}</th>
              <th scope="col">{t('profile.role')}</th>
            </tr>
          </thead>
          <tbody>
            {staff.data.map((person) => (
              <tr key={person.id}>
                <td dir="auto">{person.full_name ?? ''}</td>
                <td>{person.email}</td>
                <td>
                  <select
                    aria-label={t('admin.roleOf', { name: person.full_name ?? person.email })}
                    value={person.role}
                    disabled={person.id === me?.id || changeRole.isPending}
                    onChange={(event) =>
                      changeRole.mutate({ id: person.id, role: event.target.value as Role })
                    }
                  >
                    {(['user', 'agent', 'admin'] as const).map((role) => (
                      <option key={role} value={role}>
                        {t(`profile.roles.${role}`)}
                      </option>
                    ))}
                  </select>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ErrorMessage error={changeRole.error} />

      <h2>{t('admin.newStaff')}</h2>
      <form className="narrow" onSubmit={submit}>
        <div className="field">
          <label htmlFor={ids.name}>{t('auth.fullName')}</label>
          <input
            id={ids.name}
            value={form.full_name}
            maxLength={200}
            onChange={(event) => setForm({ ...form, full_name: event.target.value })}
          />
        </div>
        <div className="field">
          <label htmlFor={ids.email}>{t('auth.email')}</label>
          <input
            id={ids.email}
            type="email"
            required
            autoComplete="off"
            value={form.email}
            onChange={(event) => setForm({ ...form, email: event.target.value })}
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
            value={form.password}
            onChange={(event) => setForm({ ...form, password: event.target.value })}
          />
        </div>
        <div className="field">
          <label htmlFor={ids.role}>{t('profile.role')}</label>
          <select
            id={ids.role}
            value={form.role}
            onChange={(event) => setForm({ ...form, role: event.target.value })}
          >
            {STAFF_ROLES.map((role) => (
              <option key={role} value={role}>
                {t(`profile.roles.${role}`)}
              </option>
            ))}
          </select>
        </div>
        <ErrorMessage error={create.error} known={{ '409': t('auth.emailTaken') }} />
        <button type="submit" disabled={create.isPending}>
          {t('admin.createStaff')}
        </button>
        <p role="status">{created ? t('admin.staffCreated', { email: created }) : ''}</p>
      </form>
    </section>
  );
}
