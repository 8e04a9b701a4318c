/**
 * What a refused Update carries to its client: the validator's typed refusal (contracts/refusals.ts)
 * wrapped by the client in a WorkflowUpdateFailedError.
 */
export async function updateRefusal(p: Promise<unknown>): Promise<{ type?: string; message?: string }> {
  try {
    await p;
  } catch (e) {
    const cause = (e as { cause?: { type?: string; message?: string } }).cause;
    return { type: cause?.type, message: cause?.message };
  }
  throw new Error('expected the update to be refused, but it was accepted');
}
