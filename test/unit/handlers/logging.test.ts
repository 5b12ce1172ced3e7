/** What the decision handler writes to the logs, with logging switched on. */
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { CHILD, body, context, ddb, event, handler, issuer, useDecisionHandler } from './harness';

useDecisionHandler({ POWERTOOLS_LOG_LEVEL: 'DEBUG' });

test("logs are JSON and never contain the child's name, birth date or the token", async () => {
  ddb.on(GetCommand).resolves({ Item: CHILD });
  ddb.on(TransactWriteCommand).rejectsOnce(new Error(`boom for ${CHILD.displayName}?`)).resolves({});
  const lines: string[] = [];
  const capture = (chunk: unknown) => {
    lines.push(String(chunk));
    return true;
  };
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
  const token = issuer.mint({ username: 'g1', role: 'guardian' });
  try {
    await handler(event(token, body), context);
    await handler(event(token, { ...body, purpose: 'nope' }), context);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  const text = lines.join('');
  expect(lines.length).toBeGreaterThan(0);
  for (const line of text.split('\n').filter(Boolean)) expect(() => JSON.parse(line)).not.toThrow();
  expect(text).not.toContain(CHILD.birthDate);
  expect(text).not.toContain(CHILD.displayName);
  expect(text).not.toContain(token);
  expect(text).toContain('request failed');
});
