/** Paging by email: mailer, templates and signed one-click approval links. */
export * from './errors';
export * from './links';
export * from './mailer';
export * from './templates';
