import { NotFoundError } from '@ajla/shared-kernel';
import { aCaller, aStoredRequest, FixedClock, InMemoryRequests } from '../../../test/fakes';
import { GetRequestHandler } from './get-request.handler';

describe('GetRequestHandler', () => {
  const clock = new FixedClock();
  const client = aCaller('user');
  let requests: InMemoryRequests;
  let handler: GetRequestHandler;

  beforeEach(() => {
    requests = new InMemoryRequests();
    handler = new GetRequestHandler(requests);
  });

  it('shows a request to its client, and to agents and admins', async () => {
    const request = await aStoredRequest(requests, clock, client.id);
    for (const caller of [client, aCaller('agent'), aCaller('admin')]) {
      expect((await handler.execute({ caller, requestId: request.id })).id).toBe(request.id);
    }
  });

  it('accepts the id in upper case', async () => {
    const request = await aStoredRequest(requests, clock, client.id);
    const found = await handler.execute({ caller: client, requestId: request.id.toUpperCase() });
    expect(found.id).toBe(request.id);
  });

  it('answers not found for another client, an unknown id and a malformed one alike', async () => {
    const request = await aStoredRequest(requests, clock, client.id);
    for (const requestId of [request.id, '01936f3e-0000-7000-8000-000000000009', 'nope']) {
      const caller = requestId === request.id ? aCaller('user') : client;
      await expect(handler.execute({ caller, requestId })).rejects.toThrow(NotFoundError);
      await expect(handler.execute({ caller, requestId })).rejects.toThrow(
        expect.objectContaining({ reason: 'request_not_found', message: 'request not found' }),
      );
    }
  });
});
