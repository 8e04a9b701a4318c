/** On-call configuration: people, teams, escalation chains and approvers. */
export * from './types';
export * from './errors';
export { parseOnCall, loadOnCall, loadPersonTokens } from './load';
export { resolveOnCall, expandContact, pickChain, contactNames, globMatch } from './resolve';
