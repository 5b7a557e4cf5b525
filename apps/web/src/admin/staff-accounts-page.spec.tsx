import { screen, waitFor, within } from '@testing-library/react';
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
const empty = { items: [], total: 0, page: 1, page_size: 20 };

describe('staff accounts (admin)', () => {
  it('is for admins only', async () => {
    renderApp('/admin/staff', {
      signedIn: true,
      handlers: { 'GET /api/v1/users/me': () => json(200, OMAR) },
    });
    expect(
      await screen.findByRole('heading', { name: 'This page is for administrators.' }),
    ).toBeInTheDocument();
  });

  it('lists accounts by role, changes a role (not their own), and creates an account', async () => {
    const app = renderApp('/admin/staff', {
      signedIn: true,
      handlers: {
        'GET /api/v1/users/me': () => json(200, ADMIN),
        'GET /api/v1/notifications': () => json(200, empty),
        'GET /api/v1/admin/users': (request) => {
          const role = new URL(request.url).searchParams.get('role');
          const items = role === 'agent' ? [OMAR] : role === 'admin' ? [ADMIN] : [];
          return json(200, { items, total: items.length, page: 1, page_size: 20 });
        },
        'POST /api/v1/admin/users': () =>
          json(201, {
            ...OMAR,
            id: '0190a1b2-0000-7000-8000-0000000000b1',
            email: 'sara@ajla.test',
          }),
        [`PATCH /api/v1/admin/users/${OMAR.id}`]: () => json(200, { ...OMAR, role: 'admin' }),
      },
    });
    const accounts = await screen.findByRole('list', { name: 'Accounts' });
    await app.user.selectOptions(within(accounts).getByLabelText('Role of Omar'), 'Administrator');
    await app.user.click(within(accounts).getByRole('button', { name: 'Save role: Omar' }));
    expect(await screen.findByText('Role saved.')).toBeInTheDocument();
    expect(app.calls.find((call) => call.method === 'PATCH')?.body).toEqual({ role: 'admin' });

    // An admin does not demote themselves from here.
    await app.user.selectOptions(screen.getByLabelText('Show'), 'Administrator');
    expect(await screen.findByLabelText('Role of Root')).toBeDisabled();

    await app.user.type(screen.getByLabelText('Full name'), 'Sara');
    await app.user.type(screen.getByLabelText('Email'), 'sara@ajla.test');
    await app.user.type(screen.getByLabelText('Password'), 'a long staff password');
    await app.user.selectOptions(screen.getByLabelText('Role'), 'Agent');
    await app.user.click(screen.getByRole('button', { name: 'Create staff account' }));
    expect(await screen.findByText('The account sara@ajla.test was created.')).toBeInTheDocument();
    await waitFor(() =>
      expect(
        app.calls.find((call) => call.method === 'POST' && call.path === '/api/v1/admin/users')
          ?.body,
      ).toEqual({
        email: 'sara@ajla.test',
        password: 'a long staff password',
        role: 'agent',
        full_name: 'Sara',
      }),
    );
  });
});
