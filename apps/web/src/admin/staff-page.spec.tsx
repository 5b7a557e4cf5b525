import { screen, waitFor } from '@testing-library/react';
import { USER, json, renderApp } from '../test/render-app';

const ADMIN = {
  ...USER,
  id: '0190a1b2-0000-7000-8000-0000000000ad',
  role: 'admin',
  full_name: 'Root',
};
const OMAR = {
  ...USER,
  id: '0190a1b2-0000-7000-8000-0000000000a9',
  role: 'agent',
  email: 'omar@ajla.test',
  full_name: 'Omar',
};

describe('staff accounts (admins)', () => {
  it('lists staff, creates an account and changes a role', async () => {
    const app = renderApp('/admin/staff', {
      signedIn: true,
      handlers: {
        'GET /api/v1/users/me': () => json(200, ADMIN),
        'GET /api/v1/admin/users': (request) =>
          json(200, {
            items: new URL(request.url).searchParams.get('role') === 'agent' ? [OMAR] : [ADMIN],
            total: 1,
            page: 1,
            page_size: 100,
          }),
        'POST /api/v1/admin/users': () =>
          json(201, {
            ...OMAR,
            id: '0190a1b2-0000-7000-8000-0000000000b1',
            email: 'sara@ajla.test',
          }),
        [`PATCH /api/v1/admin/users/${OMAR.id}`]: () => json(200, { ...OMAR, role: 'admin' }),
      },
    });
    const omarsRole = await screen.findByRole('combobox', { name: 'Role of Omar' });
    // An admin cannot demote themselves here.
    expect(screen.getByRole('combobox', { name: 'Role of Root' })).toBeDisabled();
    await app.user.selectOptions(omarsRole, 'Administrator');
    await waitFor(() =>
      expect(app.calls.find((call) => call.method === 'PATCH')?.body).toEqual({ role: 'admin' }),
    );

    await app.user.type(screen.getByLabelText('Full name'), 'Sara');
    await app.user.type(screen.getByLabelText('Email'), 'sara@ajla.test');
    await app.user.type(screen.getByLabelText('Password'), 'a long staff password');
    await app.user.selectOptions(screen.getByLabelText('Role'), 'Concierge agent');
    await app.user.click(screen.getByRole('button', { name: 'Create staff account' }));
    expect(await screen.findByText('The account sara@ajla.test was created.')).toBeInTheDocument();
    expect(
      app.calls.find((call) => call.method === 'POST' && call.path === '/api/v1/admin/users')?.body,
    ).toEqual({
      email: 'sara@ajla.test',
      password: 'a long staff password',
      role: 'agent',
      full_name: 'Sara',
    });
  });

  it('is for admins only', async () => {
    renderApp('/admin/staff', {
      signedIn: true,
      handlers: {
        'GET /api/v1/users/me': () => json(200, { ...OMAR }),
        'GET /api/v1/requests': () => json(200, { items: [], total: 0, page: 1, page_size: 20 }),
      },
    });
    expect(await screen.findByRole('heading', { name: 'My requests' })).toBeInTheDocument();
  });
});
