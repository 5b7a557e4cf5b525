import { screen } from '@testing-library/react';
import { USER, json, renderApp } from '../test/render-app';

describe('create an account', () => {
  it('registers with full name, e-mail and password, then is signed in', async () => {
    const app = renderApp('/register', {
      handlers: {
        'POST /api/v1/auth/register': () => json(201, USER),
        'POST /api/v1/auth/login': () =>
          json(200, {
            access_token: 'access-1',
            refresh_token: 'refresh-1',
            token_type: 'bearer',
            expires_in: 900,
          }),
        'GET /api/v1/requests': () => json(200, { items: [], total: 0, page: 1, page_size: 20 }),
      },
    });
    await app.user.type(screen.getByLabelText('Full name'), 'Layla Al-Amin');
    await app.user.type(screen.getByLabelText('Email'), 'layla@example.com');
    await app.user.type(screen.getByLabelText('Password'), 'a long password');
    await app.user.click(screen.getByRole('button', { name: 'Create account' }));

    expect(await screen.findByRole('heading', { name: 'My requests' })).toBeInTheDocument();
    expect(app.calls.find((call) => call.path === '/api/v1/auth/register')?.body).toEqual({
      email: 'layla@example.com',
      password: 'a long password',
      full_name: 'Layla Al-Amin',
    });
    expect(app.services.tokens.get()?.accessToken).toBe('access-1');
  });

  it('says when the e-mail is taken', async () => {
    const app = renderApp('/register', {
      handlers: {
        'POST /api/v1/auth/register': () =>
          json(409, { detail: 'e-mail already registered', code: 'email_taken' }),
      },
    });
    await app.user.type(screen.getByLabelText('Email'), 'layla@example.com');
    await app.user.type(screen.getByLabelText('Password'), 'a long password');
    await app.user.click(screen.getByRole('button', { name: 'Create account' }));

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'An account with this e-mail already exists.',
    );
    expect(app.calls.some((call) => call.path === '/api/v1/auth/login')).toBe(false);
  });

  it('describes the password rule next to the field', () => {
    renderApp('/register');
    expect(screen.getByLabelText('Password')).toHaveAccessibleDescription('At least 8 characters.');
  });
});
