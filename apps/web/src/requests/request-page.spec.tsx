import { act, screen } from '@testing-library/react';
import { aRequest, json, renderApp } from '../test/render-app';

describe('a request page', () => {
  it('keeps the request and its conversation when a refresh fails, and says so', async () => {
    const request = aRequest();
    let fail = false;
    const app = renderApp(`/requests/${request.id}`, {
      signedIn: true,
      handlers: {
        [`GET /api/v1/requests/${request.id}`]: () =>
          fail
            ? json(429, { detail: 'Too many requests', code: 'rate_limited' })
            : json(200, request),
      },
    });
    expect(await screen.findByRole('heading', { name: 'Dining' })).toBeInTheDocument();
    expect(screen.getByRole('region', { name: 'Conversation' })).toBeInTheDocument();

    fail = true;
    await act(() =>
      app.services.queryClient.refetchQueries({ queryKey: ['requests', 'one', request.id] }),
    );
    expect(await screen.findByRole('alert')).toBeInTheDocument();
    // Still the page, with its conversation: not an error page instead of it.
    expect(screen.getByRole('heading', { name: 'Dining' })).toBeInTheDocument();
    expect(screen.getByRole('region', { name: 'Conversation' })).toBeInTheDocument();
  });

  it('is an error page when the request never loaded', async () => {
    renderApp(`/requests/${aRequest().id}`, {
      signedIn: true,
      handlers: {
        [`GET /api/v1/requests/${aRequest().id}`]: () =>
          json(404, { detail: 'Request not found', code: 'not_found' }),
      },
    });
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'This request does not exist or is not yours.',
    );
    expect(screen.queryByRole('region', { name: 'Conversation' })).toBeNull();
  });
});
