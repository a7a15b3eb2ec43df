/** The header that carries a dashboard session's secret: the page sends it, the daemon reads it (session.ts). */
export const SESSION_HEADER = 'x-plugd-session';
