/** The activity of the Temporal cluster smoke test: proves activity tasks are matched and completed too. */
export async function shout(text: string): Promise<string> {
  return Promise.resolve(text.toUpperCase());
}
