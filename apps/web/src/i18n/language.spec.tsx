import { act, screen, waitFor } from '@testing-library/react';
import { i18n } from './i18n';
import { ar } from './ar';
import { en } from './en';
import { USER, json, renderApp } from '../test/render-app';

function keys(value: object, prefix = ''): string[] {
  return Object.entries(value).flatMap(([key, inner]) =>
    typeof inner === 'string' ? [`${prefix}${key}`] : keys(inner as object, `${prefix}${key}.`),
  );
}

describe('languages', () => {
  afterEach(async () => {
    await act(() => i18n.changeLanguage('en'));
  });

  it('has every English string in Arabic, none left empty', () => {
    expect(keys(ar)).toEqual(keys(en));
    expect(keys(ar).filter((key) => i18n.t(key, { lng: 'ar' }).trim() === '')).toEqual([]);
  });

  it('switches to Arabic right to left, and keeps the choice in the preferences', async () => {
    let preferences: Record<string, unknown> = {
      notifications: { email: { 'message.created': false } },
    };
    const app = renderApp('/profile', {
      signedIn: true,
      handlers: {
        'GET /api/v1/users/me': () => json(200, { ...USER, preferences }),
        'PUT /api/v1/users/me': async (request) => {
          preferences = ((await request.json()) as { preferences: Record<string, unknown> })
            .preferences;
          return json(200, { ...USER, preferences });
        },
      },
    });
    await screen.findByRole('heading', { name: 'Profile' });
    const [switcher] = screen.getAllByLabelText('Language');
    await app.user.selectOptions(switcher!, 'ar');

    expect(document.documentElement).toHaveAttribute('dir', 'rtl');
    expect(document.documentElement).toHaveAttribute('lang', 'ar');
    expect(await screen.findByRole('heading', { name: 'الملف الشخصي' })).toBeInTheDocument();
    await waitFor(() => expect(preferences['language']).toBe('ar'));
    // The rest of the preferences are kept: PUT replaces them whole.
    expect(preferences['notifications']).toEqual({ email: { 'message.created': false } });
  });

  it("takes the language stored in the user's preferences at sign-in", async () => {
    renderApp('/requests', {
      signedIn: true,
      handlers: {
        'GET /api/v1/users/me': () => json(200, { ...USER, preferences: { language: 'ar' } }),
        'GET /api/v1/requests': () => json(200, { items: [], total: 0, page: 1, page_size: 20 }),
      },
    });
    expect(await screen.findByRole('heading', { name: 'طلباتي' })).toBeInTheDocument();
    expect(document.documentElement).toHaveAttribute('dir', 'rtl');
    expect(screen.getByRole('button', { name: 'تسجيل الخروج' })).toBeInTheDocument();
  });
});
