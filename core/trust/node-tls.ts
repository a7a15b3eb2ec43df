// node:tls, loaded where TLS is first used. An ES module import of node:tls
// makes Node build its ES module facade, which reads every export, and
// reading `rootCertificates` parses the CA store Node ships with: 250 KB the
// daemon (and every CLI command) would carry without ever serving TLS
// (`npm run bench -- rss`: rss.idle.0plugins).

import { createRequire } from 'node:module';
import type * as Tls from 'node:tls';

export const nodeTls = (): typeof Tls => createRequire(import.meta.url)('node:tls') as typeof Tls;
